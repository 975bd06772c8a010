// Workflow status badges on a real server, as GitHub serves them at
// /{owner}/{repo}/actions/workflows/{file}/badge.svg: private unless the config makes them public.
import { describe, expect, it } from "vitest";
import { git, makeRepo } from "./harness.js";
import { api, serveWithConfig, until } from "./serve-harness.js";

const token = "badge-token";

const CI = `name: 'Build & <Test> "x"'
on:
  workflow_dispatch:
    inputs:
      fail: { type: boolean, default: false }
jobs:
  check:
    runs-on: ubuntu-latest
    steps:
      - run: if [ "\${{ inputs.fail }}" = "true" ]; then exit 1; fi
`;

function repoWithBranch(): string {
  const repo = makeRepo({ files: { ".github/workflows/ci.yml": CI } });
  git(repo, "branch", "feature");
  return repo;
}

async function badge(url: string, path: string, auth?: string) {
  const res = await fetch(`${url}/acme/app/actions/workflows/${path}`, {
    headers: auth ? { authorization: `Bearer ${auth}` } : {},
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

describe("workflow status badges", () => {
  it("says passing, failing or no status for a branch; needs a token unless made public; escapes names", async () => {
    const server = await serveWithConfig(
      `repo_url_schemes: [file]\nrepos:\n  - { owner: acme, name: app, url: ${repoWithBranch()} }\nrunners:\n  isolation: none\n`,
      token,
    );
    // Private by default: the same token as the runs' API, never cached.
    expect((await badge(server.url, "ci.yml/badge.svg")).status).toBe(401);
    expect((await badge(server.url, "ci.yml/badge.svg", "wrong")).status).toBe(401);
    const none = await badge(server.url, "ci.yml/badge.svg", token);
    expect(none.status).toBe(200);
    expect(none.headers.get("content-type")).toMatch(/^image\/svg\+xml/);
    expect(none.headers.get("cache-control")).toBe("private, no-store");
    expect(none.text).toMatch(/<title>Build &#38; &#60;Test&#62; &#34;x&#34; - no status<\/title>/);
    expect(none.text).not.toMatch(/<Test>|"x"/);
    expect((await badge(server.url, "nope.yml/badge.svg", token)).status).toBe(404);

    const dispatch = async (ref: string, fail: boolean) => {
      const answer = await api(server, token, "POST", "/repos/acme/app/actions/workflows/ci.yml/dispatches", {
        ref,
        inputs: { fail },
        return_run_details: true,
      });
      const id = answer.json.workflow_run_id as number;
      await until(
        () => api(server, token, "GET", `/repos/acme/app/actions/runs/${id}`),
        (r) => r.json.status === "completed",
      );
    };
    await dispatch("main", false);
    await dispatch("feature", true);
    // The default branch's latest run, unless ?branch= names another.
    expect((await badge(server.url, "ci.yml/badge.svg", token)).text).toMatch(/- passing<\/title>/);
    expect((await badge(server.url, "ci.yml/badge.svg?branch=feature", token)).text).toMatch(
      /- failing<\/title>/,
    );
    expect((await badge(server.url, "ci.yml/badge.svg?branch=other", token)).text).toMatch(
      /- no status<\/title>/,
    );
    expect((await badge(server.url, "ci.yml/badge.svg?event=push", token)).text).toMatch(
      /- no status<\/title>/,
    );
    await dispatch("main", true);
    expect((await badge(server.url, "ci.yml/badge.svg", token)).text).toMatch(/- failing<\/title>/);
  });

  it("serves them to anyone when the config says badges: { public: true }", async () => {
    const server = await serveWithConfig(
      `repo_url_schemes: [file]\nbadges: { public: true }\nrepos:\n  - { owner: acme, name: app, url: ${repoWithBranch()} }\n`,
      token,
    );
    const open = await badge(server.url, "ci.yml/badge.svg");
    expect(open.status).toBe(200);
    expect(open.text).toMatch(/- no status<\/title>/);
    expect(open.headers.get("cache-control")).toBe("no-cache");
    // Only the badge: the API still wants a token.
    expect((await fetch(`${server.url}/api/v1/repos/acme/app/actions/runs`)).status).toBe(401);
  });
});
