import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";

/** One version of a package the registry serves: a folder packed as `package/`, or only metadata. */
export interface PublishedVersion {
  name: string;
  version: string;
  engines?: Record<string, string>;
  /** The folder packed as the tarball's `package/`; without it the version is listed but has no tarball. */
  dir?: string;
  /** Remove `dir` once packed (a folder the test made for it). */
  temporary?: boolean;
}

export interface TestRegistry {
  url: string;
  /** Paths requested, in order. */
  requests: string[];
  /** `name@version` → its tarball's URL and integrity, as a package-lock.json records them. */
  dist: Map<string, { resolved: string; integrity: string }>;
  close(): Promise<void>;
}

/** A tarball as npm publishes it: the folder's files under `package/`, gzipped, with its integrity. */
function pack(dir: string, work: string, file: string): { tgz: Buffer; integrity: string; shasum: string } {
  const out = join(work, file);
  // The folder renamed to package/ in the archive (S: link targets stay as they are).
  const base = basename(dir);
  const rename = `s,^${base.replace(/[^A-Za-z0-9_-]/g, "\\$&")},package,S`;
  execFileSync("tar", ["-c", "-I", "gzip -1", "-f", out, "-C", dirname(dir), "--transform", rename, base]);
  const tgz = readFileSync(out);
  return {
    tgz,
    integrity: `sha512-${createHash("sha512").update(tgz).digest("base64")}`,
    shasum: createHash("sha1").update(tgz).digest("hex"),
  };
}

/**
 * An npm registry on loopback speaking what npm view and npm pack ask for: a packument (JSON) at
 * /NAME and tarballs at /NAME/-/NAME-VERSION.tgz, built here from real folders.
 */
export async function startRegistry(versions: PublishedVersion[]): Promise<TestRegistry> {
  const work = mkdtempSync(join(tmpdir(), "gantry-registry-"));
  const tarballs = new Map<string, Buffer>();
  const published = new Map<string, { resolved: string; integrity: string }>();
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    requests.push(path);
    const tgz = tarballs.get(path);
    if (tgz) {
      res.writeHead(200, { "content-type": "application/octet-stream", "content-length": tgz.length });
      res.end(tgz);
      return;
    }
    const doc = packuments.get(path.slice(1));
    if (!doc) {
      res.writeHead(404, { "content-type": "application/json" });
      res.end('{"error":"Not found"}');
      return;
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(doc));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const packuments = new Map<
    string,
    {
      name: string;
      "dist-tags": Record<string, string>;
      versions: Record<string, unknown>;
      time: Record<string, string>;
    }
  >();
  for (const v of versions) {
    const doc = packuments.get(v.name) ?? { name: v.name, "dist-tags": {}, versions: {}, time: {} };
    const file = `${v.name}-${v.version}.tgz`;
    const tarball = `${url}${v.name}/-/${file}`;
    const dist: Record<string, string> = { tarball };
    if (v.dir) {
      const packed = pack(v.dir, work, file);
      tarballs.set(`/${v.name}/-/${file}`, packed.tgz);
      dist.integrity = packed.integrity;
      dist.shasum = packed.shasum;
      published.set(`${v.name}@${v.version}`, { resolved: tarball, integrity: packed.integrity });
      if (v.temporary) rmSync(v.dir, { recursive: true, force: true });
    } else {
      dist.shasum = "0".repeat(40);
    }
    doc.versions[v.version] = { name: v.name, version: v.version, engines: v.engines, dist };
    doc.time[v.version] = new Date().toISOString();
    const latest = doc["dist-tags"].latest;
    if (!latest || latest.localeCompare(v.version, undefined, { numeric: true }) < 0)
      doc["dist-tags"].latest = v.version;
    packuments.set(v.name, doc);
  }
  return {
    url,
    requests,
    dist: published,
    close: () =>
      new Promise((r) =>
        server.close(() => {
          rmSync(work, { recursive: true, force: true });
          r();
        }),
      ),
  };
}

/** The host's npm and corepack package folders (beside the npm on PATH) and their package.json. */
export function hostPackage(name: "npm" | "corepack"): {
  dir: string;
  version: string;
  engines?: Record<string, string>;
} {
  const npmBin = realpathSync(execFileSync("sh", ["-c", "command -v npm"], { encoding: "utf8" }).trim());
  // …/lib/node_modules/npm/bin/npm-cli.js → …/lib/node_modules/<name>
  const dir = join(dirname(dirname(dirname(npmBin))), name);
  const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as {
    version: string;
    engines?: Record<string, string>;
  };
  return { dir, version: pkg.version, engines: pkg.engines };
}

/** A folder shaped like a node-linux-<arch> package: package.json and bin/node (this Node.js, copied). */
export function nodePackageDir(version: string, arch: string): string {
  const dir = mkdtempSync(join(tmpdir(), "gantry-nodepkg-"));
  mkdirSync(join(dir, "bin"));
  // A copy, not a hard link: tar fails ("file changed as we read it") when another link comes or goes meanwhile.
  cpSync(process.execPath, join(dir, "bin", "node"));
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({ name: `node-linux-${arch}`, version, bin: { node: "bin/node" } }),
  );
  return dir;
}
