import { BuiltInActions, checkRemoteActions } from "../actions/index.js";
import type { LoadedWorkflow, Problem } from "../workflow/index.js";
import { gantryHome, runActionStore } from "./run-workflows.js";

/**
 * `gantry validate`'s warnings for remote actions and reusable workflows that a run could not get
 * from the action store or its mirror (asked with git ls-remote when one is set: nothing fetched).
 */
export function remoteActionWarnings(workflows: LoadedWorkflow[]): Promise<Problem[]> {
  return checkRemoteActions(workflows, runActionStore(gantryHome()), new BuiltInActions());
}
