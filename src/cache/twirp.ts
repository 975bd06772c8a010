/** The twirp error codes the services answer with, and the HTTP status each goes with. */
const STATUS = {
  malformed: 400,
  invalid_argument: 400,
  out_of_range: 400,
  unauthenticated: 401,
  permission_denied: 403,
  not_found: 404,
  bad_route: 404,
  already_exists: 409,
  failed_precondition: 412,
  internal: 500,
} as const;

export type TwirpCode = keyof typeof STATUS;

/** A twirp error (`{ code, msg }` with the code's HTTP status), thrown by handlers. */
export class TwirpError extends Error {
  constructor(
    readonly code: TwirpCode,
    message: string,
  ) {
    super(message);
    this.name = "TwirpError";
  }
}

/** The response twirp gives for an error. */
export function twirpErrorResponse(code: TwirpCode, msg: string): Response {
  return Response.json({ code, msg }, { status: STATUS[code] });
}

/** Turns a thrown TwirpError into its response; anything else is an internal error. */
export function twirpFailure(err: unknown): Response {
  if (err instanceof TwirpError) return twirpErrorResponse(err.code, err.message);
  return twirpErrorResponse("internal", (err as Error).message);
}

/** The largest JSON body a service takes (a twirp call, a v1 reserve or commit): a few fields. */
export const MAX_JSON_BODY = 1024 * 1024;

/**
 * The request's body as text, up to `limit` bytes: a TwirpError (`out_of_range`) when it declares
 * or brings more, the rest left unread. The services listen on the server's main port too, so a
 * client's body is never read whole into memory.
 */
export async function readLimitedText(req: Request, limit = MAX_JSON_BODY): Promise<string> {
  const tooLarge = () =>
    new TwirpError("out_of_range", `The request body is over the limit of ${limit} bytes for this call`);
  const declared = req.headers.get("content-length");
  if (declared !== null && Number(declared) > limit) throw tooLarge();
  if (!req.body) return "";
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** The JSON request body of a twirp call: an object, else `malformed`. */
export async function readTwirpBody(req: Request): Promise<Record<string, unknown>> {
  const type = req.headers.get("content-type") ?? "";
  if (!type.toLowerCase().startsWith("application/json")) {
    throw new TwirpError(
      "malformed",
      `Unsupported Content-Type '${type}': this server speaks twirp JSON only`,
    );
  }
  let body: unknown;
  try {
    body = JSON.parse(await readLimitedText(req));
  } catch (err) {
    if (err instanceof TwirpError) throw err;
    throw new TwirpError("malformed", `The request body is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new TwirpError("malformed", "The request body must be a JSON object");
  }
  return body as Record<string, unknown>;
}

function camel(name: string): string {
  return name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** A field by its proto name or its JSON (camelCase) name, as protobuf JSON parsers accept both. */
function field(body: Record<string, unknown>, name: string): unknown {
  return body[name] ?? body[camel(name)];
}

/** A string field; a wrapper (StringValue) is a plain string in JSON. `required` refuses empty. */
export function stringField(body: Record<string, unknown>, name: string, required = false): string {
  const v = field(body, name);
  if (v === undefined || v === null) {
    if (required) throw new TwirpError("invalid_argument", `${name} is required`);
    return "";
  }
  if (typeof v !== "string") throw new TwirpError("invalid_argument", `${name} must be a string`);
  if (required && v === "") throw new TwirpError("invalid_argument", `${name} is required`);
  return v;
}

/** An int64 field (a string or a number in JSON), or undefined when absent. */
export function int64Field(body: Record<string, unknown>, name: string): number | undefined {
  const v = field(body, name);
  if (v === undefined || v === null || v === "") return undefined;
  const n = typeof v === "number" ? v : typeof v === "string" && /^-?\d+$/.test(v) ? Number(v) : Number.NaN;
  if (!Number.isSafeInteger(n)) throw new TwirpError("invalid_argument", `${name} must be an integer`);
  return n;
}

/** A repeated string field. */
export function stringListField(body: Record<string, unknown>, name: string): string[] {
  const v = field(body, name);
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((s) => typeof s !== "string")) {
    throw new TwirpError("invalid_argument", `${name} must be a list of strings`);
  }
  return v as string[];
}

/** A Timestamp field (RFC 3339 in JSON) in milliseconds, or undefined when absent. */
export function timestampField(body: Record<string, unknown>, name: string): number | undefined {
  const v = field(body, name);
  if (v === undefined || v === null) return undefined;
  const ms = typeof v === "string" ? Date.parse(v) : Number.NaN;
  if (Number.isNaN(ms)) throw new TwirpError("invalid_argument", `${name} must be an RFC 3339 timestamp`);
  return ms;
}
