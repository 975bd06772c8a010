/** Where `owner/repo@ref` lives on GitHub: the exact source `gantry actions add` can copy it from. */
export function upstreamUrl(name: string): string {
  const repository = name.slice(0, name.lastIndexOf("@")).split("/").slice(0, 2).join("/");
  return `https://github.com/${repository}.git`;
}

export const HOW_TO_PROVIDE = (name: string) =>
  `Add it with \`gantry actions add ${name} --from ${upstreamUrl(name)}\` (or --from a copy of that repository you have), or set a mirror: --action-mirror, GANTRY_ACTION_MIRROR or action_mirror in $GANTRY_HOME/config.yml (for example file:///srv/mirrors/{owner}/{repo}.git).`;

/** Of `tags`, the few sorted nearest to `ref` (versions in numeric order: v4.10 after v4.9). */
export function nearestTags(tags: Iterable<string>, ref: string, count = 5): string[] {
  const order = new Intl.Collator("en", { numeric: true, sensitivity: "base" }).compare;
  const sorted = [...new Set(tags)].sort(order);
  const at = sorted.findIndex((t) => order(t, ref) > 0);
  const split = at < 0 ? sorted.length : at;
  const before = Math.min(split, Math.max(count - (sorted.length - split), Math.ceil(count / 2)));
  return sorted.slice(split - before, split - before + count);
}

/** Neither the store nor the mirror has the repository. */
export class ActionNotFoundError extends Error {
  readonly code = "E_ACTION_NOT_FOUND";
  constructor(
    readonly action: string,
    /** What each mirror URL tried said, one line each. */
    readonly tried: string[],
    /** Whether a mirror is set, and whether it was asked (resolving from the store alone skips it). */
    mirror: "none" | "skipped" | "asked" = tried.length > 0 ? "asked" : "none",
  ) {
    const where = {
      none: "no action mirror is set",
      skipped: "the action mirror was not asked",
      asked: `no mirror has it (tried ${tried.join("; ")})`,
    }[mirror];
    super(`Action '${action}' is not in gantry's action store and ${where}. ${HOW_TO_PROVIDE(action)}`);
  }
}

/** The repository was found but has no tag, branch or commit by that name. */
export class ActionRefNotFoundError extends Error {
  readonly code = "E_ACTION_REF_NOT_FOUND";
  constructor(
    readonly action: string,
    readonly ref: string,
    readonly where: string[],
    /** The tags the places have, of which the nearest to `ref` are named. */
    tags: string[] = [],
    /** The `--from` of `gantry actions add`, when that is what failed. */
    from?: string,
  ) {
    const near = nearestTags(tags, ref);
    const have = where.length > 1 ? "they have" : "it has";
    const listed =
      near.length > 0 ? ` The tags ${have} nearest to it: ${near.join(", ")}.` : ` ${have} no tags.`;
    const base = action.slice(0, action.lastIndexOf("@"));
    const fix = from
      ? near.length > 0
        ? `Take one of them (\`gantry actions add ${base}@${near[near.length - 1]} --from ${from}\`), or bring '${ref}' into ${from} first (from ${upstreamUrl(action)}).`
        : `Bring '${ref}' into ${from} first (from ${upstreamUrl(action)}), or add from there: \`gantry actions add ${action} --from ${upstreamUrl(action)}\`.`
      : HOW_TO_PROVIDE(action);
    super(
      `Action '${action}': ${where.join(" and ")} ${where.length > 1 ? "have" : "has"} the repository but no tag, branch or commit '${ref}'.${listed.replace(/^ it/, " It").replace(/^ they/, " They")} ${fix}`,
    );
  }
}

/** The resolved commit has no file at the path asked for (a reusable workflow, an action.yml). */
export class ActionFileNotFoundError extends Error {
  readonly code = "E_ACTION_FILE_NOT_FOUND";
  constructor(
    readonly action: string,
    readonly path: string,
    readonly commit: string,
  ) {
    super(`'${path}' does not exist in ${action} (commit ${commit})`);
  }
}

/** A git command the store ran failed for a reason other than a missing repository or ref. */
export class ActionStoreError extends Error {
  readonly code = "E_ACTION_STORE";
}
