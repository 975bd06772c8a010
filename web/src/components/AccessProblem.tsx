import { ApiError } from "../api.js";

/**
 * Why a page cannot show something, in plain words: the server's 403 (the caller lacks the role)
 * or 404 (no such thing, or one the caller may not see: the server does not say which).
 */
export function AccessProblem({ error, what }: { error: Error; what: string }) {
  if (error instanceof ApiError && error.status === 403) {
    return (
      <div className="problem" role="alert" data-testid="forbidden">
        <strong>You may not see {what}.</strong> The server said: {error.message}
      </div>
    );
  }
  if (error instanceof ApiError && error.status === 404) {
    return (
      <div className="problem" role="alert" data-testid="not-found">
        <strong>Not found.</strong> There is no {what} here, or you may not see it.
      </div>
    );
  }
  const extra = error instanceof ApiError && error.errors.length ? `: ${error.errors.join("; ")}` : "";
  return (
    <p className="problem" role="alert">
      {error.message}
      {extra}
    </p>
  );
}

/** What a page for site admins says to anyone else (the server would answer them 403). */
export function SiteAdminsOnly({ what }: { what: string }) {
  return (
    <div className="problem" role="alert" data-testid="forbidden">
      <strong>Only site admins {what}.</strong> You are signed in without site admin rights.
    </div>
  );
}

/** An API refusal as one line: its message and the reasons it gives (GitHub's `errors`). */
export function refusal(err: unknown): string {
  if (err instanceof ApiError) {
    const reasons = err.errors.map((e) => (typeof e === "string" ? e : JSON.stringify(e)));
    return reasons.length ? `${err.message}: ${reasons.join("; ")}` : err.message;
  }
  return (err as Error).message;
}
