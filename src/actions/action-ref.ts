/** What a step's `uses:` names. */
export type ActionRef =
  | { kind: "local"; path: string }
  | { kind: "docker"; image: string }
  | { kind: "remote"; owner: string; repo: string; path: string; ref: string };

const REMOTE = /^([^/@\s]+)\/([^/@\s]+)((?:\/[^@\s]+)?)@(\S+)$/;

/** Parses `./path`, `docker://image` or `owner/repo[/path]@ref`; undefined when it is none of them. */
export function parseActionRef(uses: string): ActionRef | undefined {
  const text = uses.trim();
  if (text.startsWith("./") || text.startsWith("../")) return { kind: "local", path: text };
  if (text.startsWith("docker://")) return { kind: "docker", image: text.slice("docker://".length) };
  const m = REMOTE.exec(text);
  if (!m) return undefined;
  return { kind: "remote", owner: m[1], repo: m[2], path: m[3].replace(/^\//, ""), ref: m[4] };
}
