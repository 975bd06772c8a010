// Forge webhooks: check the delivery is the forge's (GitHub: X-Hub-Signature-256, an HMAC-SHA256 of
// the raw body; Gitea/Forgejo: X-Gitea-Signature / X-Forgejo-Signature, the same HMAC in bare hex;
// GitLab: X-Gitlab-Token, the secret itself), then read it into GitHub-shaped events. A bad or
// missing signature, or no secret configured, is a SignatureError (401); a delivery that cannot be
// read is a PayloadError (400) naming what is wrong. Comparisons take constant time.
import type { Json } from "../expressions/index.js";
import { hmacSha256, PayloadError, SignatureError, secretsEqual } from "./errors.js";
import { type Forge, type ForgeEvent, pullRequestTargetEvent } from "./forge-event.js";
import { giteaEvents } from "./webhook-gitea.js";
import { githubEvents } from "./webhook-github.js";
import { gitlabEvents } from "./webhook-gitlab.js";

/** Request headers, looked up case-insensitively (a fetch/Hono `Headers`). */
export interface WebhookHeaders {
  get(name: string): string | null;
}

export const FORGES: readonly Forge[] = ["github", "gitea", "gitlab"];

function header(headers: WebhookHeaders, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = headers.get(name);
    if (value) return value.trim();
  }
  return undefined;
}

/** Throws SignatureError unless the delivery carries the forge's proof of the secret. */
export function verifyWebhook(
  forge: Forge,
  headers: WebhookHeaders,
  body: string,
  secret: string | undefined,
): void {
  if (!secret)
    throw new SignatureError(`no webhook secret is configured for ${forge}: every delivery is refused`);
  if (forge === "gitlab") {
    const token = header(headers, "x-gitlab-token");
    if (token === undefined) throw new SignatureError("missing X-Gitlab-Token");
    if (!secretsEqual(token, secret)) throw new SignatureError("X-Gitlab-Token does not match the secret");
    return;
  }
  const expected = hmacSha256(secret, body);
  if (forge === "github") {
    const given = header(headers, "x-hub-signature-256");
    if (given === undefined) throw new SignatureError("missing X-Hub-Signature-256");
    if (!secretsEqual(given.toLowerCase(), `sha256=${expected}`)) {
      throw new SignatureError("X-Hub-Signature-256 does not match the body");
    }
    return;
  }
  const given =
    header(headers, "x-forgejo-signature", "x-gitea-signature") ??
    header(headers, "x-hub-signature-256")?.replace(/^sha256=/, "");
  if (given === undefined) throw new SignatureError("missing X-Gitea-Signature (or X-Forgejo-Signature)");
  if (!secretsEqual(given.toLowerCase(), expected))
    throw new SignatureError("X-Gitea-Signature does not match the body");
}

/** The event name the forge put in its header; PayloadError when there is none. */
export function webhookEventName(forge: Forge, headers: WebhookHeaders): string {
  const names =
    forge === "github"
      ? ["x-github-event"]
      : forge === "gitlab"
        ? ["x-gitlab-event"]
        : ["x-forgejo-event", "x-gitea-event", "x-gogs-event"];
  const name = header(headers, ...names);
  if (!name)
    throw new PayloadError(
      `missing ${forge === "gitea" ? "X-Gitea-Event (or X-Forgejo-Event)" : names[0]} header`,
    );
  return name;
}

/** The JSON body (GitHub may also send it form-encoded, as `payload=`). */
function parseBody(body: string, headers: WebhookHeaders): { [key: string]: Json } {
  let text = body;
  if ((headers.get("content-type") ?? "").startsWith("application/x-www-form-urlencoded")) {
    text = new URLSearchParams(body).get("payload") ?? "";
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new PayloadError(`body is not JSON: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new PayloadError("body is not a JSON object");
  }
  return parsed as { [key: string]: Json };
}

/**
 * Verifies one delivery and reads it into events (GitHub's names and payloads). [] for deliveries
 * gantry does not act on (ping, issues, comments, approvals …). A pull request's activity is two
 * events, as on GitHub: `pull_request` (on the merge commit) and `pull_request_target` (the base
 * branch's workflows at its head), each starting the workflows that listen for it.
 */
export function readWebhook(
  forge: Forge,
  headers: WebhookHeaders,
  body: string,
  secret: string | undefined,
): ForgeEvent[] {
  verifyWebhook(forge, headers, body, secret);
  const event = webhookEventName(forge, headers);
  const payload = parseBody(body, headers);
  const events =
    forge === "github"
      ? githubEvents(event, payload)
      : forge === "gitlab"
        ? gitlabEvents(event, payload)
        : giteaEvents(event, payload);
  return events.flatMap((e) => (e.name === "pull_request" ? [e, pullRequestTargetEvent(e)] : [e]));
}
