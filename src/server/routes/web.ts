import { existsSync, readFileSync, statSync } from "node:fs";
import { extname, join, normalize, sep } from "node:path";
import { Hono } from "hono";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
};

/**
 * Headers every page of the UI gets: no framing, no sniffing, scripts only from the server itself.
 * 'wasm-unsafe-eval' lets the page compile WebAssembly (libsodium, which seals a secret's value in
 * the browser) and nothing else: eval and inline scripts stay refused.
 */
const SECURITY = {
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "content-security-policy":
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
};

/**
 * The web UI (Vite's build in `dir`, dist/web): files as they are, the hashed ones under /assets/
 * cached for a year, and index.html for every other path (the UI routes on the client).
 * The API, hooks and webhooks are matched before this.
 */
export function webRoutes(dir: string): Hono {
  const app = new Hono();
  app.get("*", (c) => {
    const path = decodeURIComponent(new URL(c.req.url).pathname);
    if (path.startsWith("/api/") || path.startsWith("/hooks/")) return c.json({ message: "Not Found" }, 404);
    const index = join(dir, "index.html");
    if (!existsSync(index)) {
      return c.text(
        "gantry's web UI is not built here: run `npm run build` (the API is under /api/v1).",
        404,
      );
    }
    const file = normalize(join(dir, path));
    const inside = file.startsWith(dir.endsWith(sep) ? dir : dir + sep);
    if (inside && path !== "/" && existsSync(file) && statSync(file).isFile()) {
      const hashed = path.startsWith("/assets/");
      return c.body(readFileSync(file), 200, {
        ...SECURITY,
        "content-type": TYPES[extname(file)] ?? "application/octet-stream",
        "cache-control": hashed ? "public, max-age=31536000, immutable" : "no-cache",
      });
    }
    // A missing asset is a 404, not the page: a stale tab then fails clearly, not with HTML as JS.
    if (path.startsWith("/assets/")) return c.text("Not Found", 404);
    return c.body(readFileSync(index), 200, {
      ...SECURITY,
      "content-type": TYPES[".html"],
      "cache-control": "no-cache",
    });
  });
  return app;
}
