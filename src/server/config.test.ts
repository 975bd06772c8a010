import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatProblem, UsageError } from "../workflow/index.js";
import { loadServerConfig } from "./config.js";

function problemsOf(text: string): { file: string; lines: string[] } {
  const file = join(mkdtempSync(join(tmpdir(), "gantry-config-")), "config.yml");
  writeFileSync(file, text);
  try {
    loadServerConfig(file);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return { file, lines: (err as UsageError).problems.map(formatProblem) };
  }
  throw new Error("the config was accepted");
}

describe("loadServerConfig", () => {
  it("names the line and column of each wrong setting, or of the mapping a required one is missing from", () => {
    const { file, lines } = problemsOf(
      ["repos:", "  - owner: acme", '    name: "bad name"', "runners:", "  slots: none", ""].join("\n"),
    );
    expect(lines).toEqual([
      expect.stringMatching(new RegExp(`^${file}:3:11: repos\\.0\\.name: name may hold only letters`)),
      expect.stringMatching(new RegExp(`^${file}:2:5: repos\\.0\\.url: `)),
      expect.stringMatching(new RegExp(`^${file}:5:10: runners\\.slots: `)),
    ]);
  });

  it("names where the YAML itself is broken", () => {
    const { file, lines } = problemsOf("repos:\n  - owner: [acme\n");
    expect(lines[0]).toMatch(new RegExp(`^${file}:\\d+:\\d+: `));
  });

  it("reads a good config with its defaults", () => {
    const file = join(mkdtempSync(join(tmpdir(), "gantry-config-")), "config.yml");
    writeFileSync(
      file,
      "repo_url_schemes: [https, file]\nrepos:\n  - { owner: acme, name: app, url: /srv/app.git }\n",
    );
    const config = loadServerConfig(file);
    expect(config.repos[0]).toMatchObject({ default_branch: "main", poll_interval_seconds: 60 });
    expect(config.runners.slots).toBe(2);
    expect(config.limits).toEqual({
      api_body_bytes: 1024 * 1024,
      webhook_body_bytes: 25 * 1024 * 1024,
      auth_failures_per_minute: 10,
    });
  });

  it("takes repositories named as GitHub names them, from URLs of the allowed schemes (https and ssh unless said)", () => {
    const { file, lines } = problemsOf(
      [
        "repos:",
        "  - { owner: acme, name: .., url: https://example.com/a.git }",
        "  - { owner: --help, name: app, url: https://example.com/a.git }",
        "  - { owner: acme, name: ok, url: /srv/git/app.git }",
        "  - { owner: acme, name: ok2, url: --upload-pack=touch /tmp/x }",
        "  - { owner: acme, name: ok3, url: 'ext::sh -c touch% /tmp/x' }",
        "  - { owner: acme, name: ok4, url: 'git://example.com/a.git' }",
        "  - { owner: acme, name: ok5, url: 'git@example.com:acme/app.git', default_branch: main~0 }",
        "",
      ].join("\n"),
    );
    expect(lines).toEqual([
      expect.stringMatching(
        new RegExp(`^${file}:2:26: repos\\.0\\.name: name must not be '\\.' or '\\.\\.'`),
      ),
      expect.stringMatching(new RegExp(`^${file}:3:14: repos\\.1\\.owner: owner must not start with '-'`)),
      expect.stringMatching(new RegExp(`^${file}:8:84: repos\\.6\\.default_branch: a ref must not contain`)),
    ]);
    const urls = problemsOf(
      [
        "repos:",
        "  - { owner: acme, name: ok, url: /srv/git/app.git }",
        "  - { owner: acme, name: ok2, url: --upload-pack=touch /tmp/x }",
        "  - { owner: acme, name: ok3, url: 'ext::sh -c touch% /tmp/x' }",
        "  - { owner: acme, name: ok4, url: 'git://example.com/a.git' }",
        "  - { owner: acme, name: ok5, url: 'ssh://-oProxyCommand=x/a.git' }",
        "  - { owner: acme, name: ok6, url: 'git@example.com:acme/app.git' }",
        "  - { owner: acme, name: ok7, url: 'https://example.com/acme/app.git' }",
        "",
      ].join("\n"),
    );
    expect(urls.lines).toEqual([
      expect.stringMatching(
        /:2:35: repos\.0\.url: '\/srv\/git\/app\.git' is a local path.*repo_url_schemes is \[https, ssh\]/,
      ),
      expect.stringMatching(/:3:36: repos\.1\.url: url must not start with '-'/),
      expect.stringMatching(/:4:36: repos\.2\.url: .*remote helper/),
      expect.stringMatching(/:5:36: repos\.3\.url: scheme 'git' is not allowed/),
      expect.stringMatching(/:6:36: repos\.4\.url: url's host must not start with '-'/),
    ]);
  });
});
