import { type FormEvent, useState } from "react";
import { checkToken, signOutReason } from "../api.js";
import { setToken } from "../auth.js";
import { useTitle } from "../router.js";

/** Sign-in with a personal access token: nothing else is shown without one. */
export function SignIn() {
  useTitle("Sign in");
  const [token, setValue] = useState("");
  const [remember, setRemember] = useState(false);
  const [error, setError] = useState<string | null>(signOutReason.text);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const value = token.trim();
    if (!value) {
      setError("Enter your personal access token.");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const answer = await checkToken(value);
      if (answer === "ok") {
        signOutReason.text = null;
        setToken(value, remember);
      } else if (answer === "job") {
        setError("That is a job's token: sign in with a person's token.");
      } else {
        setError("That token is not valid on this server.");
      }
    } catch (err) {
      setError(`Could not reach the server: ${(err as Error).message}`);
    } finally {
      setBusy(false);
    }
  }

  return (
    <main id="main" className="signin">
      <form onSubmit={submit} className="card signin-card" noValidate>
        <h1>Sign in to gantry</h1>
        <p className="muted">
          Use your personal access token (a site admin makes one for you on the Users page, or{" "}
          <code>gantry tokens create</code>). The site admin's first token is <code>GANTRY_ADMIN_TOKEN</code>,
          or the one printed at the server's first start.
        </p>
        <label htmlFor="token">API token</label>
        <input
          id="token"
          name="token"
          type="password"
          autoComplete="current-password"
          value={token}
          onChange={(e) => setValue(e.target.value)}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? "token-error" : undefined}
          required
        />
        {error && (
          <p id="token-error" className="field-error" role="alert">
            {error}
          </p>
        )}
        <label className="check">
          <input type="checkbox" checked={remember} onChange={(e) => setRemember(e.target.checked)} />
          Remember on this device
        </label>
        <button type="submit" className="primary" disabled={busy}>
          {busy ? "Checking…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
