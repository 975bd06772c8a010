import { Readable } from "node:stream";
import type { CacheArchive } from "./server-cache-store.js";
import { StagedBlob, type UploadBody, UploadError } from "./staged-blob.js";

/** What Azure Blob Storage answers to a refused request: the status, `x-ms-error-code` and an XML body. */
export function blobErrorResponse(status: number, code: string, message: string): Response {
  const xml = `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error>`;
  return new Response(xml, {
    status,
    headers: { "content-type": "application/xml", "x-ms-error-code": code },
  });
}

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** The request body as an upload: its stream and declared Content-Length. */
export function uploadBody(req: Request): UploadBody {
  const length = req.headers.get("content-length");
  return {
    stream: req.body,
    declaredLength: length !== null && /^\d+$/.test(length) ? Number(length) : undefined,
  };
}

/** The headers @azure/storage-blob reads from a successful write. */
function createdHeaders(): Record<string, string> {
  return {
    etag: `"0x${Date.now().toString(16).toUpperCase()}"`,
    "last-modified": new Date().toUTCString(),
    "x-ms-request-server-encrypted": "false",
    "x-ms-version": "2024-11-04",
  };
}

/**
 * Serves the Azure Blob write operations @azure/storage-blob's BlockBlobClient uses (uploadFile,
 * uploadStream) on a staged upload: Put Blob, `?comp=block&blockid=…` and `?comp=blocklist`.
 * Each answers 201 as Azure does, or an Azure error.
 */
export async function putBlobRequest(req: Request, blob: StagedBlob): Promise<Response> {
  const query = new URL(req.url).searchParams;
  const comp = query.get("comp");
  try {
    if (comp === "block") {
      await blob.putBlock(query.get("blockid") ?? "", uploadBody(req));
    } else if (comp === "blocklist") {
      await blob.putBlockList(await req.text());
    } else if (comp === null) {
      if ((req.headers.get("x-ms-blob-type") ?? "BlockBlob") !== "BlockBlob") {
        return blobErrorResponse(
          400,
          "InvalidHeaderValue",
          "Only block blobs (x-ms-blob-type: BlockBlob) are supported",
        );
      }
      await blob.putBlob(uploadBody(req));
    } else {
      return blobErrorResponse(400, "InvalidQueryParameterValue", `Unsupported operation comp=${comp}`);
    }
  } catch (err) {
    if (err instanceof UploadError) return blobErrorResponse(err.status, err.code, err.message);
    throw err;
  }
  return new Response(null, { status: 201, headers: createdHeaders() });
}

/** A single `bytes=a-b` range of a file of `size` bytes: [start, end] inclusive, or "bad" when unsatisfiable. */
function parseRange(header: string | null, size: number): [number, number] | "bad" | undefined {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === "" && m[2] === "")) return "bad";
  if (m[1] === "") {
    const suffix = Number(m[2]);
    return suffix === 0 ? "bad" : [Math.max(0, size - suffix), size - 1];
  }
  const start = Number(m[1]);
  const end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  return start > end || start >= size ? "bad" : [start, end];
}

/** Streams an open archive (closed when done), whole or the request's Range (206), as a blob download. */
export async function fileResponse(
  req: Request,
  file: CacheArchive,
  headers: Record<string, string>,
): Promise<Response> {
  const range = parseRange(req.headers.get("range") ?? req.headers.get("x-ms-range"), file.size);
  if (range === "bad") {
    void file.close();
    return new Response(null, { status: 416, headers: { "content-range": `bytes */${file.size}` } });
  }
  const [start, end] = range ?? [0, file.size - 1];
  const base = { ...headers, "accept-ranges": "bytes", "x-ms-blob-type": "BlockBlob" };
  if (file.size === 0) {
    void file.close();
    return new Response(null, { status: 200, headers: { ...base, "content-length": "0" } });
  }
  const stream = await file.stream({ start, end });
  const body = Readable.toWeb(stream) as unknown as ReadableStream<Uint8Array>;
  return new Response(body, {
    status: range ? 206 : 200,
    headers: {
      ...base,
      "content-length": String(end - start + 1),
      ...(range ? { "content-range": `bytes ${start}-${end}/${file.size}` } : {}),
    },
  });
}

/**
 * A signed URL of the services: `path` (from the services' root, `/_blob/…`) with its `query`,
 * under the services' URL the job was given (grant.servicesUrl, e.g. the server's
 * `https://ci.example/_services/actions/` for a runner on another machine), else under the origin the
 * request came to (`requestUrl`: the services on a port of their own).
 */
export function signedServiceUrl(
  requestUrl: string,
  grant: { servicesUrl?: string },
  path: string,
  query: string,
): string {
  const base = grant.servicesUrl ?? `${new URL(requestUrl).origin}/`;
  return `${base.replace(/\/+$/, "")}${path}?${query}`;
}
