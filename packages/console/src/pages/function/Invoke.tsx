import { useState } from 'preact/hooks';
import { call, fnPath, get, type InvocationRecord } from '../../api.js';
import { Notice } from '../../components/Notice.js';
import { ms } from '../../format.js';

const shownHeaders = [
  'x-nubo-cold-start',
  'x-nubo-duration-ms',
  'x-nubo-status',
  'x-nubo-request-id',
  'x-nubo-version',
  'content-type',
];

/** Sends an event to the function and shows what came back, with the call's record (its output). */
export function Invoke({ name, onInvoked }: { name: string; onInvoked: () => void }) {
  const [event, setEvent] = useState('{\n  "hello": "world"\n}');
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [answer, setAnswer] = useState<{
    status: number;
    body: unknown;
    headers: [string, string][];
    record: InvocationRecord | null;
  } | null>(null);

  const invoke = async (e: Event) => {
    e.preventDefault();
    let parsed: unknown;
    try {
      parsed = JSON.parse(event);
    } catch (err) {
      setProblem(`The event is not JSON: ${(err as Error).message}`);
      return;
    }
    setProblem(null);
    setBusy(true);
    try {
      const result = await call<unknown>('POST', fnPath(name, '/invoke'), parsed, { answerErrors: true });
      const requestId = result.headers.get('x-nubo-request-id');
      const record = requestId ? await get<InvocationRecord>(`/v1/invocations/${requestId}`).catch(() => null) : null;
      setAnswer({
        status: result.status,
        body: result.body,
        headers: shownHeaders.flatMap((h) => (result.headers.get(h) ? [[h, result.headers.get(h)!] as [string, string]] : [])),
        record,
      });
      onInvoked();
    } catch (err) {
      setProblem((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="invoke-title" class="card">
      <h2 id="invoke-title">Invoke</h2>
      <form onSubmit={invoke}>
        <label>
          Event (JSON)
          <textarea
            class="code"
            rows={6}
            spellcheck={false}
            value={event}
            onInput={(e) => setEvent((e.target as HTMLTextAreaElement).value)}
          />
        </label>
        <button type="submit" disabled={busy}>
          {busy ? 'Invoking…' : 'Invoke'}
        </button>
      </form>
      <Notice error={problem} />
      {answer && (
        <div id="invoke-result" aria-live="polite">
          <h3>
            Result <span class={answer.status < 300 ? 'badge ok' : 'badge error'}>{answer.status}</span>{' '}
            {answer.record && (
              <span class="muted">
                {answer.record.cold ? 'cold' : 'warm'} · {ms(answer.record.durationMs)}
              </span>
            )}
          </h3>
          <pre class="code">{JSON.stringify(answer.body, null, 2)}</pre>
          <h3>Response headers</h3>
          <dl class="pairs">
            {answer.headers.map(([k, v]) => (
              <div key={k}>
                <dt>{k}</dt>
                <dd>{v}</dd>
              </div>
            ))}
          </dl>
          <h3>Output</h3>
          <pre class="code output">{answer.record?.logs || '(nothing printed)'}</pre>
        </div>
      )}
    </section>
  );
}
