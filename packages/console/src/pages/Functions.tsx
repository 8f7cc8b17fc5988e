import { useEffect, useMemo, useState } from 'preact/hooks';
import { fnPath, get, metricsUrl, type FunctionDetail, type FunctionSummary, type Metrics } from '../api.js';
import { statusColors, colors } from '../colors.js';
import { Notice } from '../components/Notice.js';
import { Sparkline } from '../components/Sparkline.js';
import { age } from '../format.js';

interface Row {
  fn: FunctionSummary;
  detail: FunctionDetail | null;
  idle: number | null;
  metrics: Metrics | null;
}

type SortKey = 'name' | 'version' | 'runtime' | 'workers' | 'calls' | 'errors' | 'updated';

const callsOf = (m: Metrics | null) => m?.buckets.reduce((a, b) => a + b.count, 0) ?? 0;
const errorsOf = (m: Metrics | null) => m?.buckets.reduce((a, b) => a + b.count - (b.byStatus.ok ?? 0), 0) ?? 0;

const sortValue: Record<SortKey, (r: Row) => string | number> = {
  name: (r) => r.fn.name,
  version: (r) => r.fn.activeVersion,
  runtime: (r) => r.detail?.runtime ?? '',
  workers: (r) => r.detail?.liveWorkers ?? 0,
  calls: (r) => callsOf(r.metrics),
  errors: (r) => errorsOf(r.metrics),
  updated: (r) => r.fn.updatedAt,
};

/** Every function of the caller with its last hour at a glance. */
export function Functions() {
  const [rows, setRows] = useState<Row[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [filter, setFilter] = useState('');
  const [sort, setSort] = useState<{ key: SortKey; up: boolean }>({ key: 'name', up: true });

  useEffect(() => {
    (async () => {
      const fns = await get<FunctionSummary[]>('/v1/functions');
      setRows(fns.map((fn) => ({ fn, detail: null, idle: null, metrics: null })));
      const filled = await Promise.all(
        fns.map(async (fn) => {
          const [detail, metrics, workers] = await Promise.all([
            get<FunctionDetail>(fnPath(fn.name)),
            get<Metrics>(metricsUrl(fn.name, 3_600_000, 300_000)),
            get<{ state: string }[]>(fnPath(fn.name, '/workers')),
          ]);
          return { fn, detail, metrics, idle: workers.filter((w) => w.state === 'idle').length };
        }),
      );
      setRows(filled);
    })().catch((err: Error) => setError(err.message));
  }, []);

  const shown = useMemo(() => {
    const value = sortValue[sort.key];
    const needle = filter.trim().toLowerCase();
    return (rows ?? [])
      .filter((r) => !needle || r.fn.name.includes(needle) || (r.detail?.runtime ?? '').includes(needle))
      .sort((a, b) => {
        const [x, y] = [value(a), value(b)];
        return (x < y ? -1 : x > y ? 1 : 0) * (sort.up ? 1 : -1);
      });
  }, [rows, filter, sort]);

  const header = (key: SortKey, label: string) => (
    <th aria-sort={sort.key === key ? (sort.up ? 'ascending' : 'descending') : 'none'}>
      <button type="button" class="sort" onClick={() => setSort({ key, up: sort.key === key ? !sort.up : true })}>
        {label}
      </button>
    </th>
  );

  return (
    <section>
      <div class="heading">
        <h1>Functions</h1>
        <a class="button" href="#/deploy">
          Deploy a function
        </a>
      </div>
      <label class="filter">
        Filter by name or runtime
        <input type="search" value={filter} onInput={(e) => setFilter((e.target as HTMLInputElement).value)} />
      </label>
      <Notice error={error} />
      {rows === null ? (
        <p>Loading…</p>
      ) : rows.length === 0 ? (
        <p>
          No functions yet: <a href="#/deploy">deploy one</a>.
        </p>
      ) : (
        <div class="table-scroll">
          <table id="functions">
            <thead>
              <tr>
                {header('name', 'Name')}
                {header('version', 'Version')}
                {header('runtime', 'Runtime')}
                {header('workers', 'Workers live / idle')}
                {header('calls', 'Calls (1 h)')}
                {header('errors', 'Errors (1 h)')}
                <th>p95 (1 h)</th>
                {header('updated', 'Deployed')}
              </tr>
            </thead>
            <tbody>
              {shown.map(({ fn, detail, idle, metrics }) => (
                <tr key={fn.name} data-function={fn.name}>
                  <td>
                    <a href={`#/functions/${encodeURIComponent(fn.name)}`}>{fn.name}</a>
                  </td>
                  <td>{fn.activeVersion}</td>
                  <td>{detail?.runtime ?? '…'}</td>
                  <td>
                    {detail?.liveWorkers ?? '…'} / {idle ?? '…'}
                  </td>
                  <td>
                    {metrics && <Sparkline label="calls" color={colors.p50} values={metrics.buckets.map((b) => b.count)} />}{' '}
                    {callsOf(metrics)}
                  </td>
                  <td>
                    {metrics && (
                      <Sparkline
                        label="errors"
                        color={statusColors.error}
                        values={metrics.buckets.map((b) => b.count - (b.byStatus.ok ?? 0))}
                      />
                    )}{' '}
                    {errorsOf(metrics)}
                  </td>
                  <td>
                    {metrics && <Sparkline label="p95 ms" color={colors.p95} values={metrics.buckets.map((b) => b.p95Ms)} />}
                  </td>
                  <td>{age(fn.updatedAt)} ago</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
