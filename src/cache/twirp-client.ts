import { createWriteStream, openAsBlob } from "node:fs";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { type TwirpCode, TwirpError } from "./twirp.js";

/** The Actions services as a job's variables name them (what @actions/cache and @actions/artifact read). */
export interface ServicesEnv {
  /** ACTIONS_RUNTIME_TOKEN. */
  token: string;
  /** ACTIONS_RESULTS_URL: the twirp services' base. */
  resultsUrl: string;
}

/** The services a step's environment names, or what is missing. */
export function servicesEnvOf(env: Record<string, string | undefined>): ServicesEnv | string {
  const token = env.ACTIONS_RUNTIME_TOKEN ?? "";
  const resultsUrl = env.ACTIONS_RESULTS_URL ?? "";
  const missing = [!token && "ACTIONS_RUNTIME_TOKEN", !resultsUrl && "ACTIONS_RESULTS_URL"].filter(Boolean);
  if (missing.length > 0)
    return `the job has no ${missing.join(" and ")}: the server gave it no Actions services`;
  return { token, resultsUrl };
}

const CODES = new Set<string>([
  "malformed",
  "invalid_argument",
  "out_of_range",
  "unauthenticated",
  "permission_denied",
  "not_found",
  "bad_route",
  "already_exists",
  "failed_precondition",
  "internal",
]);

/**
 * Calls `service`/`method` (twirp JSON, as the toolkit's generated clients do) with the job's token:
 * the answer's JSON object, or the service's refusal as a TwirpError with its code and message.
 */
export async function callTwirp(
  services: ServicesEnv,
  service: string,
  method: string,
  body: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const url = `${services.resultsUrl.replace(/\/+$/, "")}/twirp/${service}/${method}`;
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${services.token}` },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  let answer: unknown;
  try {
    answer = JSON.parse(text);
  } catch {
    answer = undefined;
  }
  const obj = typeof answer === "object" && answer !== null ? (answer as Record<string, unknown>) : undefined;
  if (!res.ok) {
    const code = typeof obj?.code === "string" && CODES.has(obj.code) ? (obj.code as TwirpCode) : "internal";
    const msg = typeof obj?.msg === "string" ? obj.msg : `HTTP ${res.status}: ${text.slice(0, 200)}`;
    throw new TwirpError(code, `${method}: ${msg}`);
  }
  if (!obj) throw new TwirpError("internal", `${method}: the service's answer is not a JSON object`);
  return obj;
}

/** The message of a failed blob request: Azure's <Message>, else the status. */
async function blobFailure(what: string, res: Response): Promise<Error> {
  const text = await res.text().catch(() => "");
  const message = /<Message>([\s\S]*?)<\/Message>/.exec(text)?.[1] ?? text.slice(0, 200);
  return new Error(`${what} failed: HTTP ${res.status}${message ? `: ${message}` : ""}`);
}

/** PUTs `file` to a signed upload URL as one block blob (Azure's Put Blob, what the services take). */
export async function putBlobFile(signedUrl: string, file: string): Promise<void> {
  const res = await fetch(signedUrl, {
    method: "PUT",
    headers: { "x-ms-blob-type": "BlockBlob", "content-type": "application/octet-stream" },
    body: await openAsBlob(file),
  });
  if (!res.ok) throw await blobFailure("The upload", res);
  await res.body?.cancel();
}

/** GETs a signed download URL into `file`. */
export async function getBlobFile(signedUrl: string, file: string): Promise<void> {
  const res = await fetch(signedUrl);
  if (!res.ok || !res.body) throw await blobFailure("The download", res);
  await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), createWriteStream(file));
}
