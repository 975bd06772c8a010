import { Hono } from "hono";
import { bearerToken } from "../auth.js";
import { clientAddress, throttled } from "../auth-throttle.js";
import type { ServerContext } from "../context.js";

/** Where a job asks for ID tokens (ACTIONS_ID_TOKEN_REQUEST_URL, before its query string). */
export const OIDC_TOKEN_PATH = "/_services/oidc/token";

/** The longest audience a job may ask for (a URL or an identifier, as the relying party names itself). */
const MAX_AUDIENCE = 1024;

/**
 * The server as an OpenID Connect issuer: its discovery document and its JWKS, public as every
 * issuer's are, and the ID token endpoint of its jobs (`GET …/token?api-version=2.0&audience=X`
 * with the job's ACTIONS_ID_TOKEN_REQUEST_TOKEN as bearer: `{"value": "<jwt>"}`).
 */
export function oidcRoutes(ctx: ServerContext): Hono {
  const app = new Hono();
  const issuer = ctx.oidc;
  if (!issuer) return app;

  app.get("/.well-known/openid-configuration", (c) => {
    c.header("cache-control", "public, max-age=60");
    return c.json(issuer.discovery());
  });

  app.get("/.well-known/jwks", async (c) => {
    // Short: a rotated key must be seen before the tokens it signs are.
    c.header("cache-control", "public, max-age=60");
    return c.json(await issuer.jwks());
  });

  app.get(OIDC_TOKEN_PATH, async (c) => {
    c.header("cache-control", "no-store");
    // The audience is checked first: a bad one is the request's mistake, whoever sends it.
    const audiences = c.req.queries("audience") ?? [];
    const problem = audienceProblem(audiences);
    if (problem) return c.json({ message: `audience: ${problem}` }, 400);
    const address = clientAddress(c);
    const wait = ctx.throttle?.blockedFor(address);
    if (wait !== undefined) return throttled(c, wait);
    const token = bearerToken(c);
    const minted = token ? await issuer.mint(token, audiences[0] || undefined) : undefined;
    if (!minted || "refused" in minted) {
      ctx.throttle?.fail(address);
      // One answer for a missing, unknown or ended token: nothing says which.
      return c.json(
        {
          message:
            "Bad credentials: send the job's ACTIONS_ID_TOKEN_REQUEST_TOKEN as Authorization: Bearer, while the job runs",
        },
        401,
      );
    }
    return c.json({ value: minted.token });
  });
  return app;
}

/** What is wrong with the `audience` query: more than one, too long, or control characters. */
function audienceProblem(audiences: string[]): string | undefined {
  if (audiences.length > 1) return `give one audience (the query has ${audiences.length})`;
  const audience = audiences[0] ?? "";
  if (audience.length > MAX_AUDIENCE) return `at most ${MAX_AUDIENCE} characters (got ${audience.length})`;
  if (/[\u0000-\u001f\u007f]/.test(audience)) return "control characters are not allowed";
  return undefined;
}
