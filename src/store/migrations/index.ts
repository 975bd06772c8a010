import type { Migration, MigrationProvider } from "kysely";
import { initial } from "./0001-initial.js";
import { pullRequests } from "./0002-pull-requests.js";
import { triggerState } from "./0003-trigger-state.js";
import { chainDepth } from "./0004-chain-depth.js";
import { webhookDeliveries } from "./0005-webhook-deliveries.js";
import { runFork } from "./0006-run-fork.js";
import { forkApproval } from "./0007-fork-approval.js";
import { runAttempts } from "./0008-run-attempts.js";
import { displayTitle } from "./0009-display-title.js";
import { repoHooks } from "./0010-repo-hooks.js";
import { identity } from "./0011-identity.js";
import { audit } from "./0012-audit.js";
import { secrets } from "./0013-secrets.js";
import { environments } from "./0015-environments.js";
import { approvals } from "./0016-approvals.js";
import { deployments } from "./0017-deployments.js";
import { runners } from "./0018-runners.js";
import { servers } from "./0019-servers.js";
import { runCounts } from "./0021-run-counts.js";
import { reportBase } from "./0024-report-base.js";

/** Every migration, by its number: the order they run in. Add one file per migration. */
const migrations: Record<string, Migration> = {
  "0001-initial": initial,
  "0002-pull-requests": pullRequests,
  "0003-trigger-state": triggerState,
  "0004-chain-depth": chainDepth,
  "0005-webhook-deliveries": webhookDeliveries,
  "0006-run-fork": runFork,
  "0007-fork-approval": forkApproval,
  "0008-run-attempts": runAttempts,
  "0009-display-title": displayTitle,
  "0010-repo-hooks": repoHooks,
  "0011-identity": identity,
  "0013-secrets": secrets,
  "0012-audit": audit,
  "0015-environments": environments,
  "0016-approvals": approvals,
  "0017-deployments": deployments,
  "0018-runners": runners,
  "0019-servers": servers,
  "0021-run-counts": runCounts,
  "0024-report-base": reportBase,
};

/** Migrations compiled into the bundle (no directory to read at run time). */
export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
