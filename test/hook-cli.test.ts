// `gantry hook install` through the real CLI.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { makeRemote } from "./git-remote.js";
import { gantry } from "./harness.js";

describe("gantry hook install", () => {
  it("writes the post-receive hook and its settings into a bare repository", async () => {
    const r = makeRemote({ "a.txt": "1" });
    const res = await gantry(r.work, [
      "hook",
      "install",
      r.origin,
      "--server",
      "http://127.0.0.1:9",
      "--name",
      "acme/app",
    ]);
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    expect(res.stdout).toContain(`installed ${join(r.origin, "hooks", "post-receive")}`);
    expect(JSON.parse(readFileSync(join(r.origin, "gantry-hook.json"), "utf8"))).toEqual({
      server: "http://127.0.0.1:9",
      name: "acme/app",
    });
    // A server on this host over http: the build's compiled hook when it made one, else bash's.
    const hook = readFileSync(join(r.origin, "hooks", "post-receive"));
    const compiled = join(import.meta.dirname, "..", "dist", "post-receive-hook");
    if (existsSync(compiled)) expect(hook).toEqual(readFileSync(compiled));
    else expect(hook.toString("utf8")).toMatch(/^#!\S*bash\n/);
    expect(readFileSync(join(r.origin, "gantry-hook.curlrc"), "utf8")).toContain('# name = "acme/app"\n');
  });

  it("is a usage error (exit 2, the reason) without --server or on a repository that is not bare", async () => {
    const r = makeRemote({ "a.txt": "1" });
    const noServer = await gantry(r.work, ["hook", "install", r.origin]);
    expect(noServer.code).toBe(2);
    expect(noServer.stderr).toContain("needs --server URL");
    const notBare = await gantry(r.work, ["hook", "install", r.work, "--server", "http://127.0.0.1:9"]);
    expect(notBare.code).toBe(2);
    expect(notBare.stderr).toContain("is not a bare git repository");
    expect(existsSync(join(r.work, ".git", "hooks", "post-receive"))).toBe(false);
  });
});
