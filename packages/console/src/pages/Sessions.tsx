import { useEffect, useState } from 'preact/hooks';
import { call, get, type Session } from '../api.js';
import { Notice } from '../components/Notice.js';
import { age, when } from '../format.js';

/** The caller's console sessions (each browser signed in); ending one signs that browser out. */
export function Sessions() {
  const [sessions, setSessions] = useState<Session[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = () => get<Session[]>('/v1/auth/sessions').then(setSessions, (err: Error) => setError(err.message));
  useEffect(() => void load(), []);

  const end = async (session: Session) => {
    if (!confirm(session.current ? 'End this session? You will be signed out.' : 'Sign that browser out?')) return;
    try {
      await call('DELETE', `/v1/auth/sessions/${encodeURIComponent(session.id)}`);
      await load();
    } catch (err) {
      setError((err as Error).message);
    }
  };

  return (
    <>
      <h2>Console sessions</h2>
      <Notice error={error} />
      {sessions && (
        <div class="table-scroll">
          <table id="sessions">
            <thead>
              <tr>
                <th>Browser</th>
                <th>Signed in</th>
                <th>Last used</th>
                <th>Ends</th>
                <th>
                  <span class="sr-only">End</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {sessions.map((s) => (
                <tr key={s.id} data-session-id={s.id}>
                  <td>
                    {s.userAgent ?? 'unknown'}
                    {s.current && <strong> (this one)</strong>}
                  </td>
                  <td>{when(s.createdAt)}</td>
                  <td>{s.lastUsedAt ? `${age(s.lastUsedAt)} ago` : 'never'}</td>
                  <td>{when(s.expiresAt)}</td>
                  <td>
                    <button type="button" class="danger" onClick={() => end(s)} aria-label={`End the session ${s.id}`}>
                      End
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
