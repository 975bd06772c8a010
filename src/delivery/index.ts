// Environments and their protection rules (GitHub's REST bodies and rules), and the gate a job
// passes before it may deploy to one.
export { deployRefOf, type RefPolicy, refusedRef } from "./deploy-gate.js";
export {
  type DeploymentBody,
  type DeploymentStatusBody,
  deleteRefusal,
  deploymentBody,
  deploymentStatusBody,
  isProductionDefault,
  MAX_STATUS_DESCRIPTION,
  STATUS_STATES,
} from "./deployment-body.js";
export {
  type DeploymentOutcome,
  type DoraMetrics,
  type DoraWindow,
  doraMetrics,
  median,
} from "./dora.js";
export {
  applyEnvironmentBody,
  type BranchPolicySetting,
  branchPolicyBody,
  branchPolicyUpdateBody,
  DEFAULT_SETTINGS,
  type EnvironmentBody,
  type EnvironmentSettings,
  environmentBody,
  MAX_REVIEWERS,
  MAX_WAIT_TIMER,
  policyNameProblem,
  type Reviewer,
  type RuleKind,
  rulesOf,
  settingsChanges,
} from "./environment-body.js";
export {
  EVIDENCE_COLUMNS,
  type EvidenceApproval,
  type EvidenceCommit,
  type EvidenceFacts,
  type EvidencePullRequest,
  type EvidenceRecord,
  type EvidenceRun,
  evidenceCsv,
  evidenceRecord,
} from "./evidence.js";
export { refPatternMatches, refPatternRegExp } from "./ref-pattern.js";
export {
  EXPIRED_MESSAGE,
  type GateFacts,
  type GateVerdict,
  gateVerdict,
  REJECTED_MESSAGE,
  REVIEW_EXPIRY_MS,
  type Reviewer as ReviewingUser,
  type ReviewRules,
  type ReviewStanding,
  reviewStanding,
} from "./review-rules.js";
