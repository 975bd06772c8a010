import type { RepoJson } from "../api.js";

const EXAMPLE = `name: CI
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: echo "hello from gantry"`;

/** How a push to the repository reaches this server: its polling, else the hook or a forge's webhook. */
export function HowPushesArrive({ repo }: { repo: RepoJson }) {
  if (repo.poll_interval_seconds > 0) {
    return (
      <p>
        This server fetches <code>{repo.url}</code> every {repo.poll_interval_seconds} seconds: a push shows
        up here within that time.
      </p>
    );
  }
  return (
    <>
      <p>
        This server does not poll <code>{repo.url}</code>: tell it of each push with gantry's post-receive
        hook, installed in that repository (the token is an API token of this server):
      </p>
      <pre>
        <code>{`gantry hook install ${repo.url} --server ${location.origin} --token "$GANTRY_TOKEN"`}</code>
      </pre>
      <p>
        or point a forge's push webhook at <code>{location.origin}/hooks/github</code>,{" "}
        <code>/hooks/gitea</code> or <code>/hooks/gitlab</code>.
      </p>
    </>
  );
}

/** A registered repository with no workflows yet: where they go, what to push, how pushes arrive. */
export function NoWorkflows({ repo }: { repo: RepoJson }) {
  return (
    <div className="card empty-state" data-testid="no-workflows">
      <h3>No workflows yet</h3>
      <p>
        gantry runs the repository's GitHub Actions workflows, unchanged: YAML files in{" "}
        <code>.github/workflows/</code>. Commit one on <code>{repo.default_branch}</code> and push it, for
        example <code>.github/workflows/ci.yml</code>:
      </p>
      <pre>
        <code>{EXAMPLE}</code>
      </pre>
      <HowPushesArrive repo={repo} />
    </div>
  );
}

/** A repository with workflows but no run yet. */
export function NoRuns({ repo }: { repo: RepoJson }) {
  return (
    <div className="card empty-state" data-testid="no-runs">
      <h3>No runs yet</h3>
      <p>
        A run starts when an event a workflow's <code>on:</code> names reaches the server: a push to{" "}
        <code>{repo.default_branch}</code>, a pull request, a schedule, or “Run workflow” for a workflow with{" "}
        <code>workflow_dispatch</code>.
      </p>
      <HowPushesArrive repo={repo} />
    </div>
  );
}
