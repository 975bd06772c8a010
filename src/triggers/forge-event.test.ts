import { describe, expect, it } from "vitest";
import type { Json } from "../expressions/index.js";
import { isForkPullRequest, pullRequestEvent, pullRequestTargetEvent } from "./forge-event.js";

const repository = { full_name: "acme/app" };
const side = (repo: Json) => ({ ref: "x", sha: "a".repeat(40), repo });

describe("isForkPullRequest", () => {
  it("is a fork when head.repo names another repository, or none", () => {
    const pr = (head: Json, base: Json = { id: 1, full_name: "acme/app" }) => ({
      repository,
      pull_request: { head: side(head), base: side(base) },
    });
    expect(isForkPullRequest(pr({ id: 1, full_name: "acme/app" }))).toBe(false);
    expect(isForkPullRequest(pr({ full_name: "ACME/App" }))).toBe(false); // names ignore case
    expect(isForkPullRequest(pr({ id: 2, full_name: "mallory/app", fork: true }))).toBe(true);
    // The same name with another id: another repository (a fork renamed to look like its parent).
    expect(isForkPullRequest(pr({ id: 2, full_name: "acme/app" }))).toBe(true);
    expect(isForkPullRequest(pr(null))).toBe(true); // GitHub's head.repo of a deleted fork
    expect(isForkPullRequest(pr({}))).toBe(true);
    // Without base.repo, the event's repository is the base.
    expect(isForkPullRequest({ repository, pull_request: { head: side({ full_name: "acme/app" }) } })).toBe(
      false,
    );
    // A repository that is itself a fork, with a pull request between its own branches: not a fork's.
    expect(
      isForkPullRequest(
        pr({ id: 1, full_name: "acme/app", fork: true }, { id: 1, full_name: "acme/app", fork: true }),
      ),
    ).toBe(false);
  });
});

describe("pullRequestTargetEvent", () => {
  it("is the base branch at the payload's base sha, keeping the payload and whether head is a fork", () => {
    const payload = { action: "opened", number: 3, pull_request: { base: { sha: "b".repeat(40) } } };
    const event = pullRequestEvent("gitea", "pull_request", payload, {
      number: 3,
      headRef: "topic",
      headSha: "a".repeat(40),
      baseRef: "release/1",
      repository: "acme/app",
      fork: true,
    });
    expect(pullRequestTargetEvent(event)).toEqual({
      ...event,
      name: "pull_request_target",
      ref: "refs/heads/release/1",
      filterRef: "refs/heads/release/1",
      sha: "b".repeat(40),
    });
  });
});
