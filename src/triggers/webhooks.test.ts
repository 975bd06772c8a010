import { describe, expect, it } from "vitest";
import { hmacSha256, PayloadError, SignatureError } from "./errors.js";
import { readWebhook, verifyWebhook } from "./webhooks.js";

const SECRET = "It's a Secret to Everybody";
const PUSH = JSON.stringify({
  ref: "refs/heads/main",
  before: "a".repeat(40),
  after: "b".repeat(40),
  repository: { full_name: "o/r", default_branch: "main" },
});

describe("verifyWebhook", () => {
  it("checks GitHub's X-Hub-Signature-256 (the example from GitHub's docs)", () => {
    const headers = new Headers({
      "x-hub-signature-256": "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
    });
    expect(() => verifyWebhook("github", headers, "Hello, World!", SECRET)).not.toThrow();
    expect(() => verifyWebhook("github", headers, "Hello, World?", SECRET)).toThrow(SignatureError);
    expect(() => verifyWebhook("github", headers, "Hello, World!", "another secret")).toThrow(
      /does not match the body/,
    );
  });

  it("refuses unsigned deliveries, wrong tokens and a forge with no secret configured", () => {
    expect(() => verifyWebhook("github", new Headers(), PUSH, SECRET)).toThrow(/missing X-Hub-Signature-256/);
    expect(() => verifyWebhook("gitea", new Headers(), PUSH, SECRET)).toThrow(/missing X-Gitea-Signature/);
    expect(() => verifyWebhook("gitlab", new Headers(), PUSH, SECRET)).toThrow(/missing X-Gitlab-Token/);
    expect(() => verifyWebhook("gitlab", new Headers({ "x-gitlab-token": "guess" }), PUSH, SECRET)).toThrow(
      /X-Gitlab-Token does not match/,
    );
    const signed = new Headers({ "x-hub-signature-256": `sha256=${hmacSha256("", PUSH)}` });
    expect(() => verifyWebhook("github", signed, PUSH, undefined)).toThrow(
      /no webhook secret is configured for github/,
    );
    expect(() => verifyWebhook("github", signed, PUSH, "")).toThrow(SignatureError);
  });

  it("takes Gitea's and Forgejo's bare hex signatures", () => {
    const mac = hmacSha256(SECRET, PUSH);
    for (const name of ["x-gitea-signature", "x-forgejo-signature"]) {
      expect(() => verifyWebhook("gitea", new Headers({ [name]: mac }), PUSH, SECRET)).not.toThrow();
      expect(() =>
        verifyWebhook("gitea", new Headers({ [name]: mac.replace(/.$/, "0") }), PUSH, SECRET),
      ).toThrow(SignatureError);
    }
    expect(() =>
      verifyWebhook("gitlab", new Headers({ "x-gitlab-token": SECRET }), PUSH, SECRET),
    ).not.toThrow();
  });
});

function github(event: string, body: string, extra: Record<string, string> = {}) {
  const headers = new Headers({
    "x-github-event": event,
    "x-hub-signature-256": `sha256=${hmacSha256(SECRET, body)}`,
    ...extra,
  });
  return readWebhook("github", headers, body, SECRET);
}

describe("readWebhook", () => {
  it("checks the signature before reading anything", () => {
    const headers = new Headers({ "x-github-event": "push", "x-hub-signature-256": "sha256=00" });
    expect(() => readWebhook("github", headers, "not json", SECRET)).toThrow(SignatureError);
  });

  it("names what is wrong with a malformed delivery", () => {
    expect(() => github("push", "{not json")).toThrow(PayloadError);
    expect(() => github("push", "{not json")).toThrow(/body is not JSON/);
    expect(() => github("push", "[1]")).toThrow(/body is not a JSON object/);
    expect(() => github("push", JSON.stringify({ ref: "refs/heads/main" }))).toThrow(/payload has no before/);
    expect(() => github("pull_request", JSON.stringify({ action: "opened", number: "7" }))).toThrow(
      /payload has no number \(a number\)/,
    );
    const headers = new Headers({ "x-hub-signature-256": `sha256=${hmacSha256(SECRET, PUSH)}` });
    expect(() => readWebhook("github", headers, PUSH, SECRET)).toThrow(/missing x-github-event header/);
  });

  it("reads GitHub's form-encoded deliveries", () => {
    const body = new URLSearchParams({ payload: PUSH }).toString();
    const events = github("push", body, { "content-type": "application/x-www-form-urlencoded" });
    expect(events.map((e) => [e.name, e.ref, e.sha])).toEqual([["push", "refs/heads/main", "b".repeat(40)]]);
  });

  it("ignores events gantry does not act on", () => {
    expect(github("issues", JSON.stringify({ action: "opened" }))).toEqual([]);
  });
});
