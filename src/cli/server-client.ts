import { gitOut } from "../triggers/index.js";
import { UsageError } from "../workflow/index.js";

/** Options every client command takes: where the server is and who is asking. */
export const CLIENT_OPTIONS = {
  server: { type: "string" },
  token: { type: "string" },
  repo: { type: "string" },
} as const;

export const CLIENT_HELP = `  --server URL     the gantry server (default: $GANTRY_SERVER, else http://127.0.0.1:8080)
  --token TOKEN    an API token (default: $GANTRY_TOKEN)
  --repo OWNER/NAME  the repository (default: $GANTRY_REPO, else the checkout's origin when the
                   server has it, else the server's only repository)
`;

/** A failed API call: the server's message and its reasons (file:line:col for workflows). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors: string[] = [],
  ) {
    super(message);
  }
}

/** Talks to a gantry server's /api/v1 with a bearer token. */
export class ServerClient {
  readonly base: string;
  private readonly token: string;
  /** Where the token came from, for the message when the server refuses it. */
  private readonly tokenSource: string;

  constructor(values: { server?: string; token?: string }) {
    this.base = (values.server ?? process.env.GANTRY_SERVER ?? "http://127.0.0.1:8080").replace(/\/+$/, "");
    const token = values.token ?? process.env.GANTRY_TOKEN;
    if (!token) throw new UsageError("no API token: pass --token or set GANTRY_TOKEN");
    this.token = token;
    this.tokenSource = values.token === undefined ? "GANTRY_TOKEN" : "--token";
  }

  async fetch(method: string, path: string, body?: unknown): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(`${this.base}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${this.token}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      const cause = (err as { cause?: { message?: string } }).cause?.message ?? (err as Error).message;
      throw new ApiError(0, `cannot reach the server at ${this.base}: ${cause}`);
    }
    if (res.status === 401) {
      await res.body?.cancel();
      throw new ApiError(
        401,
        `the server refused the token (${this.tokenSource}): it is not one of ${this.base}'s API tokens`,
      );
    }
    if (!res.ok) {
      const text = await res.text();
      let message = `${res.status} ${res.statusText}`;
      let errors: string[] = [];
      try {
        const json = JSON.parse(text) as { message?: string; errors?: string[] };
        message = json.message ?? message;
        errors = json.errors ?? [];
      } catch {
        // not JSON: keep the status line
      }
      throw new ApiError(res.status, message, errors);
    }
    return res;
  }

  // any: JSON in the server's documented shapes; each command reads the fields it prints.
  async json(method: string, path: string, body?: unknown): Promise<any> {
    const res = await this.fetch(method, path, body);
    return res.status === 204 ? undefined : res.json();
  }

  /** The repository to talk about: --repo, GANTRY_REPO, the checkout's origin, or the only one. */
  async repo(given: string | undefined): Promise<string> {
    const named = given ?? process.env.GANTRY_REPO;
    if (named) {
      if (!/^[\w.-]+\/[\w.-]+$/.test(named))
        throw new UsageError(`--repo expects OWNER/NAME, got '${named}'`);
      return named;
    }
    const repos = ((await this.json("GET", "/repos")) as Array<{ full_name: string }>).map(
      (r) => r.full_name,
    );
    const origin = gitOut(process.cwd(), ["config", "--get", "remote.origin.url"]);
    const m = origin ? /[/:]([^/:]+)\/([^/]+?)(?:\.git)?\/?$/.exec(origin) : null;
    if (m && repos.includes(`${m[1]}/${m[2]}`)) return `${m[1]}/${m[2]}`;
    if (repos.length === 1) return repos[0];
    throw new UsageError(
      repos.length === 0
        ? "the server has no repositories yet"
        : `which repository? pass --repo (the server has ${repos.join(", ")})`,
    );
  }

  /** Reads a server-sent event stream, one `{event, data}` at a time. */
  async *events(path: string): AsyncGenerator<{ event: string; data: string }> {
    const res = await this.fetch("GET", path);
    if (!res.body) return;
    const decoder = new TextDecoder();
    let buffer = "";
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let end = buffer.indexOf("\n\n");
      while (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let event = "message";
        const data: string[] = [];
        for (const line of block.split("\n")) {
          if (line.startsWith("event:")) event = line.slice(6).trim();
          else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
        }
        if (data.length > 0) yield { event, data: data.join("\n") };
        end = buffer.indexOf("\n\n");
      }
    }
  }
}

/** Prints an API error the way the CLI prints problems; returns the exit code (2: bad input). */
export function reportApiError(err: unknown): number {
  if (!(err instanceof ApiError)) throw err;
  for (const e of err.errors) process.stderr.write(`${e}\n`);
  process.stderr.write(`gantry: ${err.message}\n`);
  return err.status === 400 || err.status === 404 || err.status === 422 ? 2 : 1;
}
