import { useEffect, useState } from 'preact/hooks';
import { call, get, whenSignedOut, type User } from './api.js';
import { go, useRoute } from './router.js';
import { Cluster } from './pages/Cluster.js';
import { Deploy } from './pages/Deploy.js';
import { FunctionPage } from './pages/FunctionPage.js';
import { Functions } from './pages/Functions.js';
import { Keys } from './pages/Keys.js';
import { SignIn } from './pages/SignIn.js';

export function App() {
  const [user, setUser] = useState<User | null | undefined>(undefined);
  const route = useRoute();
  useEffect(() => {
    whenSignedOut(() => setUser(null));
    get<User>('/v1/auth/me').then(setUser, () => setUser(null));
  }, []);

  if (user === undefined) return <p class="loading">Loading…</p>;
  if (user === null) return <SignIn onSignedIn={setUser} />;

  const signOut = async () => {
    await call('DELETE', '/v1/auth/session').catch(() => undefined);
    setUser(null);
    go('functions');
  };
  const [page, name] = route;
  const link = (path: string, label: string) => (
    <a href={`#/${path}`} aria-current={page === path ? 'page' : undefined}>
      {label}
    </a>
  );
  return (
    <>
      <header class="top">
        <a class="brand" href="#/functions">
          Nubo
        </a>
        <nav aria-label="Main">
          {link('functions', 'Functions')}
          {link('deploy', 'Deploy')}
          {link('keys', 'API keys')}
          {user.isAdmin && link('cluster', 'Cluster')}
        </nav>
        <span class="who">
          {user.username}
          <button type="button" class="link" onClick={signOut}>
            Sign out
          </button>
        </span>
      </header>
      <main>
        {page === 'functions' && name ? (
          <FunctionPage name={name} />
        ) : page === 'deploy' ? (
          <Deploy name={name} />
        ) : page === 'keys' ? (
          <Keys />
        ) : page === 'cluster' && user.isAdmin ? (
          <Cluster />
        ) : (
          <Functions />
        )}
      </main>
    </>
  );
}
