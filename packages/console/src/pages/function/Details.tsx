import { useEffect, useState } from 'preact/hooks';
import { fnPath, get, type FunctionDetail, type LiveWorker } from '../../api.js';
import { age, bytes, ms, when } from '../../format.js';

/** The function's settings, its workers now, and every version with when and by whom it was deployed. */
export function Details({ fn, refresh }: { fn: FunctionDetail; refresh: number }) {
  const [workers, setWorkers] = useState<LiveWorker[] | null>(null);
  useEffect(() => {
    get<LiveWorker[]>(fnPath(fn.name, '/workers')).then(setWorkers, () => setWorkers([]));
  }, [fn.name, refresh]);
  const l = fn.limits;
  return (
    <section class="card" aria-labelledby="details-title">
      <h2 id="details-title">Settings</h2>
      <dl class="pairs">
        <div>
          <dt>Handler</dt>
          <dd>{fn.handler}</dd>
        </div>
        <div>
          <dt>Memory</dt>
          <dd>{l.memoryMb} MB</dd>
        </div>
        <div>
          <dt>Timeout</dt>
          <dd>{ms(l.timeoutMs)}</dd>
        </div>
        <div>
          <dt>Max concurrency</dt>
          <dd>{l.maxConcurrency}</dd>
        </div>
        <div>
          <dt>Min warm</dt>
          <dd>
            {l.minWarm}
            {fn.warmShortfall > 0 ? ` (${fn.warmShortfall} short)` : ''}
          </dd>
        </div>
        <div>
          <dt>Idle TTL</dt>
          <dd>{ms(l.idleTtlMs)}</dd>
        </div>
        <div>
          <dt>Network</dt>
          <dd>{fn.network}</dd>
        </div>
        <div>
          <dt>Environment</dt>
          <dd>{fn.envNames.join(', ') || 'none'}</dd>
        </div>
        <div>
          <dt>Invoke URL</dt>
          <dd class="wrap">{fn.invokeUrl}</dd>
        </div>
      </dl>
      <h2>Workers</h2>
      {workers === null ? (
        <p>Loading…</p>
      ) : workers.length === 0 ? (
        <p class="muted">No live workers: the next call starts one (cold).</p>
      ) : (
        <div class="table-scroll">
          <table id="workers">
            <thead>
              <tr>
                <th>Address</th>
                <th>Version</th>
                <th>State</th>
                <th>Age</th>
                <th>Last used</th>
              </tr>
            </thead>
            <tbody>
              {workers.map((w) => (
                <tr key={w.id}>
                  <td class="wrap">{w.address}</td>
                  <td>{w.version}</td>
                  <td>
                    <span class={`badge ${w.state === 'idle' ? 'ok' : 'busy'}`}>{w.state}</span>
                  </td>
                  <td>{age(w.startedAt)}</td>
                  <td>{age(w.lastUsedAt)} ago</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h2>Versions</h2>
      <div class="table-scroll">
        <table id="versions">
          <thead>
            <tr>
              <th>Version</th>
              <th>Runtime</th>
              <th>Code</th>
              <th>Deployed</th>
              <th>By</th>
            </tr>
          </thead>
          <tbody>
            {[...fn.versions].reverse().map((v) => (
              <tr key={v.version} aria-current={v.version === fn.activeVersion ? 'true' : undefined}>
                <td>
                  {v.version}
                  {v.version === fn.activeVersion ? ' (active)' : ''}
                </td>
                <td>{v.runtime}</td>
                <td title={v.codeDigest}>{bytes(v.codeSize)}</td>
                <td>{when(v.createdAt)}</td>
                <td>{fn.owner}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
