import { type FormEvent, useState } from 'react';
import { checkAdminToken } from '../api/api-client.js';

/** The only thing shown without a token: asks for an admin token and checks it with the node before keeping it. */
export function SignInPage({ onSignedIn, notice }: { onSignedIn: (token: string) => void; notice?: string | null }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const t = token.trim();
    if (!t) return setError('Paste an admin token.');
    setBusy(true);
    const reason = await checkAdminToken(t);
    setBusy(false);
    if (reason) setError(reason);
    else onSignedIn(t);
  };
  return (
    <main className="sign-in">
      <form className="card sign-in-card" onSubmit={submit} aria-describedby="sign-in-help">
        <div className="brand brand-large">
          <span className="brand-mark" aria-hidden="true">
            L
          </span>
          Licensor
        </div>
        <h1>Sign in to this node</h1>
        <p id="sign-in-help" className="muted">
          Use an admin API token: <code>npm start</code> prints one, <code>licensor token create --role admin</code>{' '}
          makes another. It is kept in this tab only.
        </p>
        {notice && !error && <p className="notice notice-warn">{notice}</p>}
        <label htmlFor="token">Admin token</label>
        <input
          id="token"
          name="token"
          type="password"
          autoComplete="off"
          spellCheck={false}
          value={token}
          onChange={(e) => setToken(e.target.value)}
          aria-invalid={error ? true : undefined}
        />
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
