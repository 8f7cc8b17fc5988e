import { useEffect, useState } from 'preact/hooks';
import { fnPath, get, type FunctionDetail } from '../api.js';
import { Notice } from '../components/Notice.js';
import { Charts } from './function/Charts.js';
import { Details } from './function/Details.js';
import { Invoke } from './function/Invoke.js';
import { Logs } from './function/Logs.js';

export function FunctionPage({ name }: { name: string }) {
  const [fn, setFn] = useState<FunctionDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [invoked, setInvoked] = useState(0);
  useEffect(() => {
    get<FunctionDetail>(fnPath(name)).then(setFn, (err: Error) => setError(err.message));
  }, [name, invoked]);
  if (error) return <Notice error={error} />;
  if (!fn) return <p>Loading…</p>;
  return (
    <article>
      <div class="heading">
        <h1>{fn.name}</h1>
        <span class="muted">
          version {fn.activeVersion} · {fn.runtime} · {fn.public ? 'public' : 'private'}
        </span>
        <a class="button" href={`#/deploy/${encodeURIComponent(fn.name)}`}>
          Deploy a new version
        </a>
      </div>
      {fn.warnings.map((w) => (
        <p class="notice warn" key={w}>
          {w}
        </p>
      ))}
      <Charts name={fn.name} />
      <div class="columns">
        <Invoke name={fn.name} onInvoked={() => setInvoked((n) => n + 1)} />
        <Details fn={fn} refresh={invoked} />
      </div>
      <Logs fn={fn} />
    </article>
  );
}
