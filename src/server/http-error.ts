/** An answer the route gives instead of going on: a status and GitHub's `{message, errors}`. */
export class HttpError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 413 | 422 | 429 | 500 | 502,
    message: string,
    readonly errors?: string[],
    /** Headers the answer carries (Retry-After with a 429). */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}
