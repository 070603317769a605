import { useState } from 'react';
import { useSession } from '../auth/session';
import { ErrorNotice } from '../components/ui';

/** The key or token is sent once, to exchange it for an HttpOnly session cookie; it is never stored in the page. */
export function SignIn() {
  const { signIn } = useSession();
  const [credential, setCredential] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  return (
    <div className="signin">
      <form
        className="signin-card"
        onSubmit={(e) => {
          e.preventDefault();
          setBusy(true);
          setError(undefined);
          signIn(credential.trim())
            .then(() => setCredential(''))
            .catch(setError)
            .finally(() => setBusy(false));
        }}
      >
        <h1>mlops console</h1>
        <p className="muted">
          Sign in with your API key (<code>mlk_…</code>) or a token from your identity provider. The console keeps a
          session cookie, never the key.
        </p>
        <label className="field">
          <span>API key or token</span>
          <input
            name="credential"
            type="password"
            autoComplete="off"
            value={credential}
            onChange={(e) => setCredential(e.target.value)}
            autoFocus
            required
          />
        </label>
        <ErrorNotice error={error} />
        <button type="submit" className="primary" disabled={busy || !credential.trim()}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </div>
  );
}
