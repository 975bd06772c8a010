/** A remote action or reusable workflow reference: `owner/repo[/path]@ref`. */
export interface StoreRef {
  owner: string;
  repo: string;
  /** The path inside the repository ("" for the repository's root). */
  path: string;
  ref: string;
}

/** Thrown for a reference that is not `owner/repo[/path]@ref`, or a ref git could not name. */
export class InvalidActionRefError extends Error {
  readonly code = "E_ACTION_REF_INVALID";
}

const NAME = /^[A-Za-z0-9_.-]+$/;

/** Why `name` cannot be a GitHub owner or repository name, or undefined when it can. */
function badName(name: string): string | undefined {
  if (!NAME.test(name)) return "may only hold letters, digits, '-', '_' and '.'";
  if (name.startsWith(".")) return "may not start with '.'";
  return undefined;
}

/** Why `ref` cannot be a git tag, branch or commit name (git check-ref-format's rules), or undefined. */
export function badRef(ref: string): string | undefined {
  if (ref === "") return "is empty";
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(ref)) return "may not hold spaces or any of ~ ^ : ? * [ \\";
  if (ref.includes("..") || ref.includes("@{") || ref.includes("//"))
    return "may not hold '..', '@{' or '//'";
  if (/^[-/.]|[/.]$|\.lock$|\/\./.test(ref)) return "is not a valid git ref name";
  return undefined;
}

/** Throws InvalidActionRefError unless owner, repo and ref can name a repository and a ref in it. */
export function checkActionRef(owner: string, repo: string, ref: string): void {
  const what = `'${owner}/${repo}@${ref}'`;
  const problem =
    (badName(owner) && `the owner ${badName(owner)}`) ||
    (badName(repo) && `the repository name ${badName(repo)}`) ||
    (badRef(ref) && `the ref ${badRef(ref)}`);
  if (problem) throw new InvalidActionRefError(`Invalid action reference ${what}: ${problem}`);
}

/** Parses `owner/repo[/path]@ref`; throws InvalidActionRefError naming what is wrong. */
export function parseStoreRef(uses: string): StoreRef {
  const at = uses.lastIndexOf("@");
  const name = at < 0 ? uses : uses.slice(0, at);
  const ref = at < 0 ? "" : uses.slice(at + 1);
  const [owner = "", repo = "", ...rest] = name.split("/");
  if (at < 0 || owner === "" || repo === "" || rest.some((p) => p === "" || p === "." || p === "..")) {
    throw new InvalidActionRefError(
      `Invalid action reference '${uses}': expected owner/repo[/path]@ref, for example actions/cache@v4`,
    );
  }
  checkActionRef(owner, repo, ref);
  return { owner, repo, path: rest.join("/"), ref };
}

/** True for a full 40-hex-digit commit sha (needs no pin: it names one commit for ever). */
export function isFullSha(ref: string): boolean {
  return /^[0-9a-fA-F]{40}$/.test(ref);
}

/** True when `ref` could be an abbreviated commit sha. */
export function isShortSha(ref: string): boolean {
  return /^[0-9a-fA-F]{4,39}$/.test(ref);
}

/** The mirror URL for one repository: `{owner}` and `{repo}` replaced. */
export function mirrorUrl(template: string, owner: string, repo: string): string {
  return template.replaceAll("{owner}", owner).replaceAll("{repo}", repo);
}

/** Why a mirror template cannot work, or undefined when it can. */
export function badMirrorTemplate(template: string): string | undefined {
  if (template.trim() === "") return "is empty";
  if (!template.includes("{repo}"))
    return `'${template}' has no {repo} placeholder (for example file:///srv/mirrors/{owner}/{repo}.git)`;
  return undefined;
}

/** A URL fit for logs: any user:password@ part replaced by ***@. */
export function displayUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, "$1***@");
}
