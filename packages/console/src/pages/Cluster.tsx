import { useEffect, useState } from 'preact/hooks';
import { get, type User } from '../api.js';
import { Notice } from '../components/Notice.js';
import { age, when } from '../format.js';
import { UserQuotas } from './UserQuotas.js';

interface ClusterView {
  managers: {
    id: string;
    capacity: { workers: number; memoryMb: number };
    used: { workers: number; memoryMb: number };
    draining: boolean;
    evictions: Record<string, number>;
  }[];
  gateways: { id: string; url: string; hostname: string; pid: number; startedAt: number }[];
  functions: { owner: string; name: string; activeVersion: number; liveWorkers: number; idleWorkers: number }[];
  totals: Record<string, number>;
}

/** For the admin: every manager's load, every function's pool, and the users. */
export function Cluster() {
  const [cluster, setCluster] = useState<ClusterView | null>(null);
  const [users, setUsers] = useState<(User & { functions: number })[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [quotasOf, setQuotasOf] = useState<string | null>(null);
  useEffect(() => {
    const load = () => {
      get<ClusterView>('/v1/admin/cluster').then(setCluster, (err: Error) => setError(err.message));
      get<(User & { functions: number })[]>('/v1/admin/users').then(setUsers, (err: Error) => setError(err.message));
    };
    load();
    const timer = setInterval(load, 5000);
    return () => clearInterval(timer);
  }, []);
  const t = cluster?.totals;
  return (
    <section>
      <h1>Cluster</h1>
      <Notice error={error} />
      {t && (
        <dl class="totals">
          <div>
            <dt>Gateways</dt>
            <dd>{t.gateways}</dd>
          </div>
          <div>
            <dt>Managers</dt>
            <dd>
              {t.managers}
              {t.draining ? ` (${t.draining} draining)` : ''}
            </dd>
          </div>
          <div>
            <dt>Workers</dt>
            <dd>{t.workers}</dd>
          </div>
          <div>
            <dt>Memory reserved</dt>
            <dd>
              {t.memoryUsedMb} / {t.memoryMb} MB
            </dd>
          </div>
          <div>
            <dt>Pooled live / idle</dt>
            <dd>
              {t.liveWorkers} / {t.idleWorkers}
            </dd>
          </div>
        </dl>
      )}
      <h2>Managers</h2>
      <div class="table-scroll">
        <table id="managers">
          <thead>
            <tr>
              <th>Id</th>
              <th>Workers</th>
              <th>Memory (MB)</th>
              <th>State</th>
              <th>Evictions (room / idle TTL)</th>
            </tr>
          </thead>
          <tbody>
            {cluster?.managers.map((m) => (
              <tr key={m.id}>
                <td>{m.id}</td>
                <td>
                  <meter min={0} max={m.capacity.workers} value={m.used.workers} aria-label={`workers of ${m.id}`} />{' '}
                  {m.used.workers} / {m.capacity.workers}
                </td>
                <td>
                  <meter min={0} max={m.capacity.memoryMb} value={m.used.memoryMb} aria-label={`memory of ${m.id}`} />{' '}
                  {m.used.memoryMb} / {m.capacity.memoryMb}
                </td>
                <td>{m.draining ? 'draining' : 'serving'}</td>
                <td>
                  {m.evictions.room ?? 0} / {m.evictions['idle-ttl'] ?? 0}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h2>Gateways</h2>
      <div class="table-scroll">
        <table id="gateways">
          <thead>
            <tr>
              <th>Id</th>
              <th>Address</th>
              <th>Host (process)</th>
              <th>Up</th>
            </tr>
          </thead>
          <tbody>
            {cluster?.gateways.map((g) => (
              <tr key={g.id}>
                <td>{g.id}</td>
                <td>{g.url}</td>
                <td>
                  {g.hostname} ({g.pid})
                </td>
                <td>{age(g.startedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h2>Pools</h2>
      <div class="table-scroll">
        <table id="pools">
          <thead>
            <tr>
              <th>Owner</th>
              <th>Function</th>
              <th>Version</th>
              <th>Live</th>
              <th>Idle</th>
            </tr>
          </thead>
          <tbody>
            {cluster?.functions.map((f) => (
              <tr key={`${f.owner}/${f.name}`}>
                <td>{f.owner}</td>
                <td>{f.name}</td>
                <td>{f.activeVersion}</td>
                <td>{f.liveWorkers}</td>
                <td>{f.idleWorkers}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h2>Users</h2>
      <div class="table-scroll">
        <table id="users">
          <thead>
            <tr>
              <th>User</th>
              <th>Role</th>
              <th>Functions</th>
              <th>Since</th>
              <th>
                <span class="sr-only">Quotas</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {users.map((u) => (
              <tr key={u.id}>
                <td>{u.username}</td>
                <td>{u.isAdmin ? 'admin' : 'user'}</td>
                <td>{u.functions}</td>
                <td>{when(u.createdAt)}</td>
                <td>
                  <button type="button" onClick={() => setQuotasOf(u.username)} aria-label={`Quotas of ${u.username}`}>
                    Quotas
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {quotasOf && <UserQuotas username={quotasOf} />}
    </section>
  );
}
