import { isAbsolute } from "node:path";
import type { BlobStore } from "./blob-store.js";
import { FileBlobStore } from "./file-blob-store.js";
import { S3BlobStore, type S3Location } from "./s3-blob-store.js";

/** Where `--blobs URL` (or `blobs:` in the config) puts the server's blobs. */
export type BlobLocation = { kind: "file"; root: string } | ({ kind: "s3" } & S3Location);

const S3_PARAMS = new Set(["endpoint", "region", "path_style"]);

/** S3's bucket naming rules (3–63 lower-case letters, digits, dots and hyphens). */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * Reads a blob store URL: `file:///absolute/path` or `s3://bucket[/prefix]?endpoint=…&region=…`
 * (`path_style=false` for virtual-hosted buckets). Returns the problem as a sentence when it is
 * not one; credentials in the URL are refused (they would end up in logs, shell history and `ps`).
 */
export function parseBlobUrl(text: string): BlobLocation | string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // Not repeated: a mistyped URL may still hold a secret.
    return "it is not a URL: use file:///absolute/path or s3://bucket?endpoint=…&region=…";
  }
  if (url.username || url.password)
    return "a blob store URL must not hold credentials: give S3's through AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or an AWS profile)";
  if (url.protocol === "file:") {
    if (url.host !== "" && url.host !== "localhost")
      return `file:// URLs name a directory on this machine (file:///path), not on host '${url.host}'`;
    if (url.search || url.hash) return "a file:// blob store URL takes no query or fragment";
    const root = decodeURIComponent(url.pathname);
    if (!isAbsolute(root) || root === "/")
      return "a file:// blob store URL names an absolute directory other than /";
    if (root.includes("\0")) return "the directory holds a NUL character";
    return { kind: "file", root };
  }
  if (url.protocol === "s3:") {
    const bucket = url.hostname;
    if (!BUCKET.test(bucket))
      return `'${bucket}' is not an S3 bucket name (3–63 lower-case letters, digits, dots and hyphens)`;
    if (url.port)
      return "an s3:// URL names a bucket, not a port: give the server as ?endpoint=http://host:port";
    if (url.hash) return "an s3:// blob store URL takes no fragment";
    for (const k of url.searchParams.keys())
      if (!S3_PARAMS.has(k)) return `unknown s3:// parameter '${k}' (known: endpoint, region, path_style)`;
    const path = decodeURIComponent(url.pathname).replace(/^\/+|\/+$/g, "");
    const segments = path === "" ? [] : path.split("/");
    if (segments.some((s) => s === "" || s === "." || s === ".." || /[\\\u0000-\u001f\u007f]/.test(s)))
      return `the key prefix '${path}' must be plain '/'-separated names`;
    const endpointText = url.searchParams.get("endpoint") ?? undefined;
    let endpoint: string | undefined;
    if (endpointText !== undefined) {
      let e: URL;
      try {
        e = new URL(endpointText);
      } catch {
        return "the endpoint is not a URL (http://host:port or https://host)";
      }
      if (e.protocol !== "http:" && e.protocol !== "https:")
        return `endpoint '${endpointText}' must be http:// or https://`;
      if (e.username || e.password)
        return "the endpoint must not hold credentials: give them through AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY";
      endpoint = e.origin;
    }
    const region = url.searchParams.get("region") ?? process.env.AWS_REGION ?? "us-east-1";
    if (!/^[a-z0-9-]{1,40}$/.test(region)) return `'${region}' is not a region name (e.g. us-east-1)`;
    const pathStyleText = url.searchParams.get("path_style");
    if (pathStyleText !== null && pathStyleText !== "true" && pathStyleText !== "false")
      return `path_style must be true or false (got '${pathStyleText}')`;
    const pathStyle = pathStyleText === null ? endpoint !== undefined : pathStyleText === "true";
    return {
      kind: "s3",
      bucket,
      prefix: segments.length ? `${segments.join("/")}/` : "",
      endpoint,
      region,
      pathStyle,
    };
  }
  return `unsupported blob store '${url.protocol}//': use file:///absolute/path or s3://bucket?endpoint=…&region=…`;
}

/** Opens the store a parsed URL names. */
export async function openBlobStore(at: BlobLocation): Promise<BlobStore> {
  if (at.kind === "file") return new FileBlobStore(at.root);
  const { kind: _, ...s3 } = at;
  return S3BlobStore.open(s3);
}
