// GitLab webhooks (X-Gitlab-Event) in GitHub's shapes: "Push Hook" and "Tag Push Hook" → push,
// "Merge Request Hook" → pull_request, "Release Hook" → release. The mappings:
//   - the project → repository (full_name = path_with_namespace, owner = its namespace path);
//   - a tag push's commit is checkout_sha (after is the tag object for annotated tags);
//   - merge request actions: open → opened, reopen → reopened, close → closed (merged false),
//     merge → closed (merged true), update with new commits (oldrev) → synchronize, other updates →
//     edited; approvals and the like start nothing;
//   - the target branch's commit is not in GitLab's payload: base.sha is "" until the server's clone
//     fills it in;
//   - a release: create → created, published and released (GitHub's three for a direct publish;
//     only created for an upcoming release), update → edited, delete → deleted.
import type { Json } from "../expressions/index.js";
import { arr, type ForgeEvent, num, obj, pullRequestEvent, str } from "./forge-event.js";
import { isZeroSha, ZERO_SHA } from "./git.js";
import { need, needNumber } from "./webhook-errors.js";

type Obj = { [key: string]: Json };

function repository(project: Json | undefined): { repo: Obj; fullName: string } {
  const p = obj(project);
  const fullName = str(p.path_with_namespace) ?? "";
  const slash = fullName.lastIndexOf("/");
  const owner = slash > 0 ? fullName.slice(0, slash) : "";
  const repo: Obj = {
    name: slash > 0 ? fullName.slice(slash + 1) : fullName,
    full_name: fullName,
    owner: { login: owner, name: owner },
    default_branch: str(p.default_branch) ?? "",
    private: num(p.visibility_level) !== 20,
    fork: false,
  };
  if (typeof p.id === "number") repo.id = p.id;
  if (str(p.web_url)) repo.html_url = str(p.web_url) as string;
  if (str(p.git_http_url)) repo.clone_url = str(p.git_http_url) as string;
  return { repo, fullName };
}

function commit(value: Json | undefined): Obj {
  const c = obj(value);
  const author = obj(c.author);
  const who = { name: str(author.name) ?? "", email: str(author.email) ?? "" };
  const out: Obj = {
    id: str(c.id) ?? "",
    distinct: true,
    message: (str(c.message) ?? "").trim(),
    timestamp: str(c.timestamp) ?? "",
    author: who,
    committer: who,
  };
  if (str(c.url)) out.url = str(c.url) as string;
  return out;
}

const MR_ACTIONS: Record<string, string> = {
  open: "opened",
  reopen: "reopened",
  close: "closed",
  merge: "closed",
};

function mergeRequestAction(attrs: Obj): string | undefined {
  const action = str(attrs.action) ?? "";
  if (action === "update") return str(attrs.oldrev) ? "synchronize" : "edited";
  return MR_ACTIONS[action];
}

/** The events of one GitLab delivery; [] for events gantry does not act on. */
export function gitlabEvents(event: string, payload: Obj): ForgeEvent[] {
  const base = { forge: "gitlab" as const, headRef: "", baseRef: "" };
  switch (event) {
    case "Push Hook":
    case "Tag Push Hook": {
      const ref = need(payload, "ref");
      const before = need(payload, "before");
      const after = need(payload, "after");
      need(payload, "project.path_with_namespace");
      const { repo, fullName } = repository(payload.project);
      const checkout = str(payload.checkout_sha) ?? "";
      const commits = arr(payload.commits).map(commit);
      const head =
        commits.find((c) => c.id === checkout) ?? (checkout ? { id: checkout, distinct: true } : null);
      const login = str(payload.user_username) ?? str(payload.user_name) ?? "";
      const p: Obj = {
        ref,
        before,
        after,
        created: isZeroSha(before),
        deleted: isZeroSha(after),
        forced: false,
        base_ref: null,
        compare: str(repo.html_url) ? `${repo.html_url}/-/compare/${before}...${after}` : "",
        commits,
        head_commit: isZeroSha(after) ? null : head,
        pusher: { name: login, email: str(payload.user_email) ?? "" },
        repository: repo,
        sender: { login },
      };
      const sha = isZeroSha(after) ? ZERO_SHA : checkout || after;
      return [{ ...base, name: "push", payload: p, ref, filterRef: ref, sha, repository: fullName }];
    }
    case "Merge Request Hook": {
      const attrs = obj(payload.object_attributes);
      const action = mergeRequestAction(attrs);
      if (action === undefined) return [];
      const number = needNumber(payload, "object_attributes.iid");
      const headRef = need(payload, "object_attributes.source_branch");
      const baseRef = need(payload, "object_attributes.target_branch");
      const headSha = need(payload, "object_attributes.last_commit.id");
      need(payload, "project.path_with_namespace");
      const { repo, fullName } = repository(payload.project);
      const source = obj(attrs.source);
      const target = obj(attrs.target);
      // A fork's merge request comes from another project: source_project_id ≠ target_project_id
      // (else their paths differ); a source GitLab does not name counts as a fork.
      const sourceId = num(attrs.source_project_id);
      const targetId = num(attrs.target_project_id) ?? num(obj(payload.project).id);
      const sourcePath = str(source.path_with_namespace);
      const targetPath = str(target.path_with_namespace) ?? fullName;
      const fork =
        sourceId !== undefined && targetId !== undefined
          ? sourceId !== targetId
          : sourcePath === undefined || sourcePath.toLowerCase() !== targetPath.toLowerCase();
      const u = obj(payload.user);
      const login = str(u.username) ?? "";
      const merged = str(attrs.action) === "merge" || str(attrs.state) === "merged";
      const p: Obj = {
        action,
        number,
        pull_request: {
          id: num(attrs.id) ?? number,
          number,
          title: str(attrs.title) ?? "",
          body: str(attrs.description) ?? "",
          state: action === "closed" ? "closed" : "open",
          merged,
          merge_commit_sha: str(attrs.merge_commit_sha) ?? null,
          html_url: str(attrs.url) ?? "",
          user: { login },
          head: {
            label: headRef,
            ref: headRef,
            sha: headSha,
            repo: {
              ...(sourceId !== undefined ? { id: sourceId } : {}),
              full_name: sourcePath ?? (fork ? "" : fullName),
              clone_url: str(source.git_http_url) ?? "",
              fork,
            },
          },
          base: {
            label: baseRef,
            ref: baseRef,
            sha: "",
            repo: {
              ...(targetId !== undefined ? { id: targetId } : {}),
              full_name: targetPath,
              clone_url: str(target.git_http_url) ?? "",
              fork: false,
            },
          },
          draft: attrs.draft === true || attrs.work_in_progress === true,
        },
        repository: repo,
        sender: { login },
      };
      return [
        pullRequestEvent("gitlab", "pull_request", p, {
          number,
          headRef,
          headSha,
          baseRef,
          repository: fullName,
          fork,
        }),
      ];
    }
    case "Release Hook": {
      const action = need(payload, "action");
      const tag = need(payload, "tag");
      need(payload, "project.path_with_namespace");
      const { repo, fullName } = repository(payload.project);
      const upcoming = payload.upcoming_release === true;
      const release: Obj = {
        id: num(payload.id) ?? 0,
        tag_name: tag,
        target_commitish: str(obj(payload.commit).id) ?? "",
        name: str(payload.name) ?? tag,
        body: str(payload.description) ?? "",
        draft: false,
        prerelease: upcoming,
        created_at: str(payload.created_at) ?? "",
        published_at: str(payload.released_at) ?? null,
        html_url: str(payload.url) ?? "",
      };
      const actions =
        action === "create"
          ? upcoming
            ? ["created"]
            : ["created", "published", "released"]
          : action === "update"
            ? ["edited"]
            : action === "delete"
              ? ["deleted"]
              : [];
      const ref = `refs/tags/${tag}`;
      const sha = str(obj(payload.commit).id) ?? "";
      return actions.map((a) => ({
        ...base,
        name: "release",
        payload: { action: a, release, repository: repo, sender: { login: "" } },
        ref,
        filterRef: ref,
        sha,
        repository: fullName,
      }));
    }
    default:
      return [];
  }
}
