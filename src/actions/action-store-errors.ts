const HOW_TO_PROVIDE = (name: string) =>
  `Add it with \`gantry actions add ${name} --from <git url or dir>\`, or set a mirror: --action-mirror, GANTRY_ACTION_MIRROR or action_mirror in $GANTRY_HOME/config.yml (for example file:///srv/mirrors/{owner}/{repo}.git).`;

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
  ) {
    super(
      `Action '${action}': ${where.join(" and ")} ${where.length > 1 ? "have" : "has"} the repository but no tag, branch or commit '${ref}'. ${HOW_TO_PROVIDE(action)}`,
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
