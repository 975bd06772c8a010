// Gitea and Forgejo webhooks (X-Gitea-Event / X-Forgejo-Event) in GitHub's shapes. Their payloads
// are close to GitHub's already; the differences mapped here: `compare_url` (compare), commits
// without tree_id/distinct, the pusher as a user object, pull request action `synchronized`
// (GitHub: synchronize), and releases announced once as `published` (GitHub sends created,
// published and, unless a pre-release, released: each starts the workflows listening for it).
import type { Json } from "../expressions/index.js";
import { arr, type ForgeEvent, isForkPullRequest, num, obj, pullRequestEvent, str } from "./forge-event.js";
import { isZeroSha } from "./git.js";
import { need, needNumber } from "./webhook-errors.js";

type Obj = { [key: string]: Json };

function user(value: Json | undefined): Obj {
  const u = obj(value);
  const login = str(u.login) ?? str(u.username) ?? "";
  const out: Obj = { login };
  if (typeof u.id === "number") out.id = u.id;
  if (str(u.email)) out.email = str(u.email) as string;
  return out;
}

function repository(value: Json | undefined): Obj {
  const r = obj(value);
  const out: Obj = {
    name: str(r.name) ?? "",
    full_name: str(r.full_name) ?? "",
    owner: user(r.owner),
    default_branch: str(r.default_branch) ?? "",
    private: r.private === true,
    fork: r.fork === true,
  };
  if (typeof r.id === "number") out.id = r.id;
  if (str(r.html_url)) out.html_url = str(r.html_url) as string;
  if (str(r.clone_url)) out.clone_url = str(r.clone_url) as string;
  return out;
}

function person(value: Json | undefined): Obj {
  const p = obj(value);
  return { name: str(p.name) ?? "", email: str(p.email) ?? "", username: str(p.username) ?? "" };
}

function commit(value: Json | undefined): Obj {
  const c = obj(value);
  const out: Obj = {
    id: str(c.id) ?? "",
    distinct: true,
    message: (str(c.message) ?? "").trim(),
    timestamp: str(c.timestamp) ?? "",
    author: person(c.author),
    committer: person(c.committer ?? c.author),
  };
  if (str(c.url)) out.url = str(c.url) as string;
  return out;
}

function pullSide(value: Json | undefined): Obj {
  const side = obj(value);
  const repo = obj(side.repo);
  const out: Obj = {
    name: str(repo.name) ?? "",
    full_name: str(repo.full_name) ?? "",
    clone_url: str(repo.clone_url) ?? "",
    fork: repo.fork === true,
  };
  if (typeof repo.id === "number") out.id = repo.id;
  return { label: str(side.label) ?? "", ref: str(side.ref) ?? "", sha: str(side.sha) ?? "", repo: out };
}

const PR_ACTIONS: Record<string, string> = { synchronized: "synchronize" };
const RELEASE_ACTIONS: Record<string, string[]> = { updated: ["edited"], deleted: ["deleted"] };

/** The events of one Gitea or Forgejo delivery; [] for events gantry does not act on. */
export function giteaEvents(event: string, payload: Obj): ForgeEvent[] {
  const base = { forge: "gitea" as const, headRef: "", baseRef: "" };
  switch (event) {
    case "push": {
      const ref = need(payload, "ref");
      const before = need(payload, "before");
      const after = need(payload, "after");
      const fullName = need(payload, "repository.full_name");
      const commits = arr(payload.commits).map(commit);
      const head = payload.head_commit ? commit(payload.head_commit) : null;
      const pusher = user(payload.pusher);
      const p: Obj = {
        ref,
        before,
        after,
        created: isZeroSha(before),
        deleted: isZeroSha(after),
        forced: false,
        base_ref: null,
        compare: str(payload.compare_url) ?? "",
        commits,
        head_commit: head,
        pusher: { name: str(pusher.login) ?? "", email: str(pusher.email) ?? "" },
        repository: repository(payload.repository),
        sender: user(payload.sender),
      };
      const sha = head ? (str(head.id) ?? after) : after;
      return [{ ...base, name: "push", payload: p, ref, filterRef: ref, sha, repository: fullName }];
    }
    case "pull_request": {
      const action = need(payload, "action");
      const number = needNumber(payload, "number");
      const headRef = need(payload, "pull_request.head.ref");
      const headSha = need(payload, "pull_request.head.sha");
      const baseRef = need(payload, "pull_request.base.ref");
      const fullName = need(payload, "repository.full_name");
      const pr = obj(payload.pull_request);
      const merged = pr.merged === true;
      const pull: Obj = {
        id: num(pr.id) ?? number,
        number,
        title: str(pr.title) ?? "",
        body: str(pr.body) ?? "",
        state: str(pr.state) === "closed" ? "closed" : "open",
        merged,
        merge_commit_sha: str(pr.merge_commit_sha) ?? null,
        html_url: str(pr.html_url) ?? "",
        user: user(pr.user),
        head: pullSide(pr.head),
        base: pullSide(pr.base),
        draft: pr.draft === true,
      };
      const p: Obj = {
        action: PR_ACTIONS[action] ?? action,
        number,
        pull_request: pull,
        repository: repository(payload.repository),
        sender: user(payload.sender),
      };
      // A fork's pull request names the fork as head.repo (Gitea and Forgejo, as GitHub).
      const fork = isForkPullRequest(p);
      return [
        pullRequestEvent("gitea", "pull_request", p, {
          number,
          headRef,
          headSha,
          baseRef,
          repository: fullName,
          fork,
        }),
      ];
    }
    case "release": {
      const action = need(payload, "action");
      const tag = need(payload, "release.tag_name");
      const fullName = need(payload, "repository.full_name");
      const r = obj(payload.release);
      const prerelease = r.prerelease === true;
      const release: Obj = {
        id: num(r.id) ?? 0,
        tag_name: tag,
        target_commitish: str(r.target_commitish) ?? "",
        name: str(r.name) ?? "",
        body: str(r.body) ?? "",
        draft: r.draft === true,
        prerelease,
        created_at: str(r.created_at) ?? "",
        published_at: str(r.published_at) ?? null,
        html_url: str(r.html_url) ?? "",
        author: user(r.author),
      };
      const actions =
        action === "published"
          ? ["created", "published", ...(prerelease ? [] : ["released"])]
          : (RELEASE_ACTIONS[action] ?? [action]);
      const ref = `refs/tags/${tag}`;
      return actions.map((a) => ({
        ...base,
        name: "release",
        payload: {
          action: a,
          release,
          repository: repository(payload.repository),
          sender: user(payload.sender),
        },
        ref,
        filterRef: ref,
        sha: "",
        repository: fullName,
      }));
    }
    case "create":
    case "delete": {
      const type = need(payload, "ref_type");
      const short = need(payload, "ref").replace(/^refs\/(heads|tags)\//, "");
      const fullName = need(payload, "repository.full_name");
      const repo = repository(payload.repository);
      const created = type === "tag" ? `refs/tags/${short}` : `refs/heads/${short}`;
      const ref =
        event === "create"
          ? created
          : `refs/heads/${str(repo.default_branch) || need(payload, "repository.default_branch")}`;
      const p: Obj = {
        ref: short,
        ref_type: type,
        pusher_type: "user",
        repository: repo,
        sender: user(payload.sender),
      };
      if (event === "create") {
        p.master_branch = repo.default_branch;
        p.description = null;
      }
      return [
        {
          ...base,
          name: event,
          payload: p,
          ref,
          filterRef: ref,
          sha: str(payload.sha) ?? "",
          repository: fullName,
        },
      ];
    }
    default:
      return [];
  }
}
