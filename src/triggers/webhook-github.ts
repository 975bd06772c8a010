// GitHub's own webhooks: the payload is already GitHub's; this reads what a run needs from it and
// checks it is all there.
import type { Json } from "../expressions/index.js";
import type { ForgeEvent } from "./forge-event.js";
import { isForkPullRequest, obj, pullRequestEvent, pullRequestTargetEvent, str } from "./forge-event.js";
import { isZeroSha } from "./git.js";
import { need, needNumber } from "./webhook-errors.js";

type Obj = { [key: string]: Json };

function fullRef(ref: string, type: string): string {
  if (ref.startsWith("refs/")) return ref;
  return type === "tag" ? `refs/tags/${ref}` : `refs/heads/${ref}`;
}

/** The events of one GitHub delivery (X-GitHub-Event); [] for events gantry does not act on. */
export function githubEvents(event: string, payload: Obj): ForgeEvent[] {
  const base = { forge: "github" as const, headRef: "", baseRef: "" };
  switch (event) {
    case "push": {
      const ref = need(payload, "ref");
      const before = need(payload, "before");
      const after = need(payload, "after");
      const repository = need(payload, "repository.full_name");
      const p: Obj = {
        ...payload,
        created: payload.created ?? isZeroSha(before),
        deleted: payload.deleted ?? isZeroSha(after),
        forced: payload.forced ?? false,
      };
      const head = str(obj(payload.head_commit).id);
      return [{ ...base, name: "push", payload: p, ref, filterRef: ref, sha: head ?? after, repository }];
    }
    case "pull_request":
    case "pull_request_target": {
      need(payload, "action");
      const number = needNumber(payload, "number");
      const headRef = need(payload, "pull_request.head.ref");
      const headSha = need(payload, "pull_request.head.sha");
      const baseRef = need(payload, "pull_request.base.ref");
      need(payload, "pull_request.base.sha");
      const repository = need(payload, "repository.full_name");
      const fork = isForkPullRequest(payload);
      const pr = { number, headRef, headSha, baseRef, repository, fork };
      const normalised = pullRequestEvent("github", "pull_request", payload, pr);
      // GitHub sends pull_request deliveries only (readWebhook adds their pull_request_target); a
      // delivery named pull_request_target is taken as that event alone.
      return [event === "pull_request" ? normalised : pullRequestTargetEvent(normalised)];
    }
    case "release": {
      need(payload, "action");
      const ref = `refs/tags/${need(payload, "release.tag_name")}`;
      const repository = need(payload, "repository.full_name");
      return [{ ...base, name: "release", payload, ref, filterRef: ref, sha: "", repository }];
    }
    case "create":
    case "delete": {
      const type = need(payload, "ref_type");
      const created = fullRef(need(payload, "ref"), type);
      const repository = need(payload, "repository.full_name");
      // A deletion runs on the default branch (the deleted ref has no commit any more).
      const ref = event === "create" ? created : `refs/heads/${need(payload, "repository.default_branch")}`;
      return [{ ...base, name: event, payload, ref, filterRef: ref, sha: "", repository }];
    }
    default:
      return [];
  }
}
