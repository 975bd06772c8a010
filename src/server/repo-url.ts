// Which repository URLs the server may clone: the schemes the config's `repo_url_schemes` allows.
// `file` stands for the server's own filesystem, file:// URLs and plain paths alike (a path lets
// whoever registers a repository make the server read any repository its user can read), so it
// is off unless the admin turns it on. Whatever the schemes, a URL that git could take for an
// option (a leading `-`, an ssh host starting with `-`) or for a remote helper (`ext::…`) is refused.
import { z } from "zod";

export const REPO_URL_SCHEMES = ["https", "http", "ssh", "git", "file"] as const;
export type RepoUrlScheme = (typeof REPO_URL_SCHEMES)[number];

/**
 * The default: encrypted and authenticated transports only. git:// and http:// can be changed on
 * the way (a workflow that runs with the repository's secrets), and local paths read the server's
 * own disk.
 */
export const DEFAULT_REPO_URL_SCHEMES: RepoUrlScheme[] = ["https", "ssh"];

export const repoUrlSchemes = z.array(z.enum(REPO_URL_SCHEMES)).default(DEFAULT_REPO_URL_SCHEMES);

/** What kind of location git would take `url` for (undefined: one the server never clones). */
export function repoUrlScheme(url: string): RepoUrlScheme | "helper" | undefined {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(url)?.[1]?.toLowerCase();
  if (scheme !== undefined) {
    if (scheme === "git+ssh" || scheme === "ssh+git") return "ssh";
    return (REPO_URL_SCHEMES as readonly string[]).includes(scheme) ? (scheme as RepoUrlScheme) : undefined;
  }
  // git's `<transport>::<address>` runs the remote helper git-remote-<transport> (ext:: runs a command).
  if (/^[A-Za-z][A-Za-z0-9+.-]*::/.test(url)) return "helper";
  // git's scp-like syntax: [user@]host:path, a colon before any slash.
  const colon = url.indexOf(":");
  const slash = url.indexOf("/");
  if (colon > 0 && (slash === -1 || colon < slash)) return "ssh";
  return "file";
}

/** The host of an ssh/git/http(s) URL or scp-like address (for the leading `-` check). */
function hostOf(url: string): string {
  const m = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/(?:[^@/]*@)?(\[[^\]]*\]|[^:/]*)/.exec(url);
  if (m) return m[1];
  const scp = /^(?:[^@/:]*@)?([^:/]*):/.exec(url);
  return scp?.[1] ?? "";
}

/**
 * Why the server may not clone `url` under `allowed`, or undefined when it may. The reason names
 * the scheme and the setting that would allow it.
 */
export function repoUrlProblem(url: string, allowed: readonly RepoUrlScheme[]): string | undefined {
  if (url.length === 0) return "url must not be empty";
  if (url.startsWith("-")) return `url must not start with '-' (git would take '${url}' for an option)`;
  if (/[\u0000-\u001f\u007f]/.test(url)) return "url must not contain control characters";
  const scheme = repoUrlScheme(url);
  if (scheme === "helper")
    return `url '${url}' names a git remote helper (<transport>::), which the server never runs`;
  if (scheme === undefined) {
    const given = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(url)?.[1] ?? url;
    return `url scheme '${given}' is not one the server clones (${REPO_URL_SCHEMES.join(", ")})`;
  }
  if (scheme !== "file" && hostOf(url).startsWith("-")) return "url's host must not start with '-'";
  if (!allowed.includes(scheme)) {
    const what =
      scheme === "file"
        ? `'${url}' is a local path, and local paths (scheme file) are`
        : `scheme '${scheme}' is`;
    return `${what} not allowed: repo_url_schemes is [${allowed.join(", ")}]; an admin adds '${scheme}' to it in the server's config to allow it`;
  }
  return undefined;
}
