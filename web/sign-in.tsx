import { useState } from "preact/hooks";

/** Asks once for the admin token; the page keeps it in sessionStorage for this tab. */
export function SignIn({
  message,
  signIn,
}: {
  message: string | undefined;
  signIn: (token: string) => Promise<string | undefined>;
}) {
  const [token, setToken] = useState("");
  const [error, setError] = useState(message);
  const [busy, setBusy] = useState(false);
  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(await signIn(token.trim()));
    setBusy(false);
  }
  return (
    <main class="signin" id="main">
      <h1>Quirkwatch</h1>
      <form onSubmit={submit}>
        <label>
          Admin token
          <input
            type="password"
            autoComplete="current-password"
            value={token}
            onInput={(e) => setToken((e.currentTarget as HTMLInputElement).value)}
            required
            aria-describedby={error ? "signin-error" : undefined}
          />
        </label>
        <button type="submit" class="primary" disabled={busy}>
          Sign in
        </button>
        <p id="signin-error" class={error ? "banner error" : ""} role="alert">
          {error ?? ""}
        </p>
      </form>
      <p class="summary">
        The token stays in this tab only (sessionStorage) and is sent to this API alone.
      </p>
    </main>
  );
}
