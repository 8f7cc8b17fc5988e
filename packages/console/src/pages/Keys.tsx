import { useEffect, useState } from 'preact/hooks';
import { call, get, type ApiKey } from '../api.js';
import { Notice } from '../components/Notice.js';
import { age, when } from '../format.js';
import { OwnQuotas } from './OwnQuotas.js';
import { Sessions } from './Sessions.js';

/** The caller's API keys (a new one is shown once), console sessions and quotas. */
export function Keys() {
  const [keys, setKeys] = useState<ApiKey[] | null>(null);
  const [issued, setIssued] = useState<{ apiKey: string; keyId: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);
  const load = () => get<ApiKey[]>('/v1/keys').then(setKeys, (err: Error) => setError(err.message));
  useEffect(() => void load(), []);

  const create = async (event: Event) => {
    event.preventDefault();
    const name = String(new FormData(event.target as HTMLFormElement).get('name') ?? '').trim() || 'api';
    try {
      setIssued((await call<{ apiKey: string; keyId: string }>('POST', '/v1/keys', { name })).body);
      setCopied(false);
      await load();
    } catch (err) {
      setError((err as Error).message);
    }
  };
  const revoke = async (key: ApiKey) => {
    if (!confirm(`Revoke the key "${key.name}" (${key.prefix}…)? Programs using it stop working at once.`)) return;
    try {
      await call('DELETE', `/v1/keys/${encodeURIComponent(key.id)}`);
      await load();
    } catch (err) {
      setError((err as Error).message);
    }
  };

  return (
    <section>
      <h1>API keys</h1>
      <form class="inline" onSubmit={create}>
        <label>
          Name of the new key
          <input name="name" maxLength={64} placeholder="ci" />
        </label>
        <button type="submit">Create key</button>
      </form>
      {issued && (
        <div class="card issued" role="status">
          <p>Your new key, shown only now (AWS clients: access key id {issued.keyId}, secret the key):</p>
          <code id="issued-key">{issued.apiKey}</code>{' '}
          <button
            type="button"
            onClick={() =>
              navigator.clipboard?.writeText(issued.apiKey).then(
                () => setCopied(true),
                () => setCopied(false),
              )
            }
          >
            {copied ? 'Copied' : 'Copy'}
          </button>
        </div>
      )}
      <Notice error={error} />
      {keys && (
        <div class="table-scroll">
          <table id="keys">
            <thead>
              <tr>
                <th>Name</th>
                <th>Starts with</th>
                <th>Created</th>
                <th>Last used</th>
                <th>
                  <span class="sr-only">Revoke</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {keys.map((k) => (
                <tr key={k.id} data-key-id={k.id}>
                  <td>{k.name}</td>
                  <td>
                    <code>{k.prefix}…</code>
                  </td>
                  <td>{when(k.createdAt)}</td>
                  <td>{k.lastUsedAt ? `${age(k.lastUsedAt)} ago` : 'never'}</td>
                  <td>
                    <button type="button" class="danger" onClick={() => revoke(k)} aria-label={`Revoke ${k.name} (${k.prefix})`}>
                      Revoke
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Sessions />
      <OwnQuotas changed={keys} />
    </section>
  );
}
