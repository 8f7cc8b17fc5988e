import { useEffect, useState } from 'preact/hooks';
import { fnPath, get, type FunctionDetail, type InvocationRecord } from '../../api.js';
import { statuses } from '../../colors.js';
import { Notice } from '../../components/Notice.js';
import { ms, when } from '../../format.js';

const pageSize = 25;

interface Filters {
  status: string;
  start: string;
  version: string;
  from: string;
  to: string;
  text: string;
}

const noFilters: Filters = { status: '', start: '', version: '', from: '', to: '', text: '' };

function logsUrl(name: string, f: Filters, before?: number): string {
  const q = new URLSearchParams({ limit: String(pageSize) });
  if (f.status) q.set('status', f.status);
  if (f.start) q.set('cold', String(f.start === 'cold'));
  if (f.version) q.set('version', f.version);
  if (f.text) q.set('text', f.text);
  if (f.from) q.set('since', String(new Date(f.from).getTime()));
  const to = f.to ? new Date(f.to).getTime() : undefined;
  const end = before !== undefined && to !== undefined ? Math.min(before, to) : (before ?? to);
  if (end !== undefined) q.set('before', String(end));
  return fnPath(name, `/logs?${q}`);
}

/** Whether a record the live tail brings passes the filters the list shows (the tail sends every record). */
function matches(r: InvocationRecord, f: Filters): boolean {
  return (
    (!f.status || r.status === f.status) &&
    (!f.start || r.cold === (f.start === 'cold')) &&
    (!f.version || r.version === Number(f.version)) &&
    (!f.text || r.logs.toLowerCase().includes(f.text.toLowerCase())) &&
    (!f.to || r.startedAt < new Date(f.to).getTime())
  );
}

/** The invocation records, newest first, with filters, paging, details and a live tail. */
export function Logs({ fn }: { fn: FunctionDetail }) {
  const [filters, setFilters] = useState<Filters>(noFilters);
  const [applied, setApplied] = useState<Filters>(noFilters);
  const [records, setRecords] = useState<InvocationRecord[]>([]);
  const [more, setMore] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [live, setLive] = useState(false);
  const [tailState, setTailState] = useState('');

  useEffect(() => {
    get<InvocationRecord[]>(logsUrl(fn.name, applied)).then(
      (page) => {
        setRecords(page);
        setMore(page.length === pageSize);
        setError(null);
      },
      (err: Error) => setError(err.message),
    );
  }, [fn.name, applied]);

  useEffect(() => {
    if (!live) return;
    const source = new EventSource(fnPath(fn.name, '/logs/tail'));
    source.onopen = () => setTailState('following new invocations');
    source.onerror = () => setTailState('reconnecting…');
    source.addEventListener('invocation', (event) => {
      const record = JSON.parse((event as MessageEvent<string>).data) as InvocationRecord;
      if (matches(record, applied)) setRecords((shown) => [record, ...shown]);
    });
    return () => {
      source.close();
      setTailState('');
    };
  }, [fn.name, live, applied]);

  const older = async () => {
    const last = records.at(-1);
    if (!last) return;
    const page = await get<InvocationRecord[]>(logsUrl(fn.name, applied, last.startedAt)).catch((err: Error) => {
      setError(err.message);
      return [];
    });
    setRecords([...records, ...page]);
    setMore(page.length === pageSize);
  };

  const field = (key: keyof Filters) => ({
    value: filters[key],
    onInput: (e: Event) => setFilters({ ...filters, [key]: (e.target as HTMLInputElement).value }),
  });

  return (
    <section aria-labelledby="logs-title">
      <div class="heading">
        <h2 id="logs-title">Invocations</h2>
        <label class="toggle">
          <input type="checkbox" checked={live} onChange={(e) => setLive((e.target as HTMLInputElement).checked)} />
          Live tail
        </label>
        <span class="muted" role="status" id="tail-state">
          {tailState}
        </span>
      </div>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          setApplied(filters);
        }}
      >
        <label>
          Status
          <select {...field('status')}>
            <option value="">any</option>
            {statuses.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          Start
          <select {...field('start')}>
            <option value="">cold or warm</option>
            <option value="cold">cold</option>
            <option value="warm">warm</option>
          </select>
        </label>
        <label>
          Version
          <select {...field('version')}>
            <option value="">any</option>
            {fn.versions.map((v) => (
              <option key={v.version}>{v.version}</option>
            ))}
          </select>
        </label>
        <label>
          From
          <input type="datetime-local" {...field('from')} />
        </label>
        <label>
          To
          <input type="datetime-local" {...field('to')} />
        </label>
        <label>
          Output contains
          <input type="search" {...field('text')} />
        </label>
        <button type="submit">Apply</button>
      </form>
      <Notice error={error} />
      <ol class="records" id="records">
        {records.map((r) => (
          <li key={`${r.requestId}:${r.attempt}`} data-request-id={r.requestId}>
            <details>
              <summary>
                <span class={`badge ${r.status === 'ok' ? 'ok' : 'error'}`}>{r.status}</span>
                <span>{when(r.startedAt)}</span>
                <span>{r.cold ? (r.stemCell ? 'cold (stem cell)' : 'cold') : 'warm'}</span>
                <span>{ms(r.durationMs)}</span>
                <span class="muted">v{r.version}</span>
              </summary>
              <dl class="pairs">
                <div>
                  <dt>Request id</dt>
                  <dd class="wrap">
                    {r.requestId}
                    {r.attempt > 1 ? ` (attempt ${r.attempt})` : ''}
                  </dd>
                </div>
                <div>
                  <dt>Trigger</dt>
                  <dd>{r.trigger}</dd>
                </div>
                <div>
                  <dt>Init</dt>
                  <dd>{ms(r.initMs)}</dd>
                </div>
                <div>
                  <dt>Queue wait</dt>
                  <dd>{ms(r.queueMs)}</dd>
                </div>
                <div>
                  <dt>Memory</dt>
                  <dd>
                    {r.memoryUsedMb === null ? '–' : `${Math.round(r.memoryUsedMb)}`} / {r.memoryLimitMb} MB
                  </dd>
                </div>
                {r.errorType && (
                  <div>
                    <dt>Error</dt>
                    <dd>
                      {r.errorType}: {r.errorMessage}
                    </dd>
                  </div>
                )}
              </dl>
              <pre class="code output">
                {r.logs || '(nothing printed)'}
                {r.logsTruncated ? '\n… (cut)' : ''}
              </pre>
            </details>
          </li>
        ))}
      </ol>
      {records.length === 0 && <p class="muted">No invocations match.</p>}
      {more && (
        <button type="button" onClick={older}>
          Older
        </button>
      )}
    </section>
  );
}
