// The rules a job waits on at its environment (wait timer, required reviewers, 30 days without a
// decision) and who may decide: pure decisions, kept by src/server/environment-gate.ts.

/** A waiting review fails the job after 30 days without a decision, as on GitHub. */
export const REVIEW_EXPIRY_MS = 30 * 24 * 60 * 60 * 1000;

/** What a rejected job fails with (GitHub's words). */
export const REJECTED_MESSAGE = "The deployment was rejected or didn't satisfy other protection rules.";

/** What a job whose review waited 30 days fails with. */
export const EXPIRED_MESSAGE =
  "The deployment was not approved within 30 days: the job waited for a required reviewer's approval and has failed.";

/** Where a run attempt's wait on an environment stands, as the gate keeps it. */
export interface GateFacts {
  state: "waiting" | "approved" | "rejected" | "expired";
  /** The environment had required reviewers when the wait began. */
  needsReview: boolean;
  /** An admin bypassed the rules (the wait timer too). */
  bypass: boolean;
  /** Minutes. */
  waitTimer: number;
  /** When the wait began (ms since the epoch, by the gate's clock). */
  startedAt: number;
}

/**
 * What the gate does now: let the job go on, refuse it (rejected, expired), expire the review (30
 * days passed without a decision), or wait until `until` (ms) at the latest: the wait timer's end
 * once approved, else the review's expiry (a review ends the wait before that).
 */
export type GateVerdict =
  | { kind: "pass" }
  | { kind: "refused"; message: string }
  | { kind: "expire" }
  | { kind: "wait"; until: number; reviewed: boolean; timerEnds: number };

export function gateVerdict(gate: GateFacts, now: number): GateVerdict {
  if (gate.state === "rejected") return { kind: "refused", message: REJECTED_MESSAGE };
  if (gate.state === "expired") return { kind: "refused", message: EXPIRED_MESSAGE };
  if (gate.bypass) return { kind: "pass" };
  const timerEnds = gate.startedAt + gate.waitTimer * 60_000;
  const reviewed = !gate.needsReview || gate.state === "approved";
  if (!reviewed) {
    const expires = gate.startedAt + REVIEW_EXPIRY_MS;
    if (now >= expires) return { kind: "expire" };
    return { kind: "wait", until: expires, reviewed, timerEnds };
  }
  if (now >= timerEnds) return { kind: "pass" };
  return { kind: "wait", until: timerEnds, reviewed, timerEnds };
}

/** The rules of an environment that say who may review its deployments. */
export interface ReviewRules {
  reviewers: Array<{ type: "User"; id: number }>;
  preventSelfReview: boolean;
  canAdminsBypass: boolean;
}

/** The person who reviews: their id and login, and whether they administer the repository. */
export interface Reviewer {
  id: number;
  login: string;
  admin: boolean;
}

/** May they decide: as a required reviewer, or as an admin bypassing the rules (approvals only). */
export type ReviewStanding = { may: true; bypass: boolean } | { may: false; message: string };

/**
 * Whether `who` may approve or reject the deployment of a run `runActor` started to `environment`:
 * a required reviewer may (not approve their own run under prevent_self_review); an admin of the
 * repository may when the environment lets admins bypass its rules (an approval is then a bypass).
 */
export function reviewStanding(
  environment: string,
  rules: ReviewRules,
  who: Reviewer,
  runActor: string,
  state: "approved" | "rejected",
): ReviewStanding {
  const reviewer = rules.reviewers.some((r) => r.type === "User" && r.id === who.id);
  const own = who.login.toLowerCase() === runActor.toLowerCase();
  const selfBlocked = state === "approved" && rules.preventSelfReview && own;
  if (reviewer && !selfBlocked) return { may: true, bypass: false };
  if (who.admin && rules.canAdminsBypass) return { may: true, bypass: state === "approved" };
  if (reviewer)
    return {
      may: false,
      message: `You cannot approve your own deployment to ${environment}: the environment prevents self-review, so another required reviewer must approve it.`,
    };
  return {
    may: false,
    message: `You are not a required reviewer of the environment ${environment}: only its required reviewers${rules.canAdminsBypass ? " and the repository's admins" : ""} may review its deployments.`,
  };
}
