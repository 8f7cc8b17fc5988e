import { useState } from 'preact/hooks';
import { call, type User } from '../api.js';
import { Notice } from '../components/Notice.js';

export function SignIn({ onSignedIn }: { onSignedIn: (user: User) => void }) {
  const [error, setError] = useState<string | null>(null);
  const submit = async (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.target as HTMLFormElement);
    try {
      const { body } = await call<User>('POST', '/v1/auth/session', {
        username: form.get('username'),
        password: form.get('password'),
      });
      onSignedIn(body);
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <main class="signin">
      <h1>Nubo</h1>
      <form onSubmit={submit} class="card">
        <label>
          Username
          <input name="username" autocomplete="username" required />
        </label>
        <label>
          Password
          <input name="password" type="password" autocomplete="current-password" required />
        </label>
        <button type="submit">Sign in</button>
        <Notice error={error} />
      </form>
      <p class="muted">No account? Ask the admin, or sign up with the CLI: nubo signup.</p>
    </main>
  );
}
