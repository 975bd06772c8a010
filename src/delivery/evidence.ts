// Change evidence for auditors (SOC 2 CC8.1: changes are authorised, tested and approved before
// they reach production): for each deployment to an environment, what went out, where it came
// from, how it was tested, who started it and who approved it, and where one person did two of
// those. Pure: the server gathers the facts (server/evidence.ts), this shapes and flags them.

/** A person as git names one (a commit's author) or as gantry does (a user). */
export interface GitPerson {
  name: string;
  email: string;
}

export interface EvidenceCommit {
  sha: string;
  message: string;
  author: GitPerson;
  authoredAt: string;
}

export interface EvidencePullRequest {
  number: number;
  title: string;
  headRef: string;
  baseRef: string;
  url: string;
  /** The author of its head commit (the change itself, where the deployed commit is a merge). */
  author: GitPerson | null;
}

export interface EvidenceRun {
  id: number;
  workflow: string;
  event: string;
  attempt: number;
  status: string;
  conclusion: string | null;
  actor: string;
  url: string;
}

export interface EvidenceApproval {
  state: "approved" | "rejected";
  user: string;
  /** The approver's e-mail address as gantry knows it (to compare with commit authors). */
  email: string | null;
  comment: string;
  at: string;
  /** An admin bypassed the environment's rules rather than reviewing. */
  bypass: boolean;
}

/** What the server knows of one deployment, before flagging. */
export interface EvidenceFacts {
  deployment: {
    id: number;
    environment: string;
    ref: string;
    sha: string;
    createdAt: string;
    /** Its latest state (success, failure, inactive …), null before its first status. */
    state: string | null;
    url: string | null;
    creator: string;
  };
  commit: EvidenceCommit | null;
  pullRequest: EvidencePullRequest | null;
  /** The run whose job made the deployment (null for one made through the API). */
  deployRun: EvidenceRun | null;
  /** Every run of the commit (CI), the deploying run included. */
  commitRuns: EvidenceRun[];
  approvals: EvidenceApproval[];
}

/** Where one person held two roles that a control wants apart. */
export interface EvidenceFlags {
  /**
   * An approver wrote the change: the deployed commit's author or its pull request's head commit's
   * (by e-mail, or login against the author's name).
   */
  approverIsAuthor: boolean;
  /** An approver triggered the run (or created the deployment). */
  approverIsTriggeringActor: boolean;
  /** Deployed without anyone's approval (no reviewer rule, or bypassed). */
  unapproved: boolean;
}

export type EvidenceRecord = EvidenceFacts & { triggeredBy: string; flags: EvidenceFlags };

function same(a: string | null | undefined, b: string | null | undefined): boolean {
  return !!a && !!b && a.trim().toLowerCase() === b.trim().toLowerCase();
}

/** The deployment's facts with who triggered it and its flags. */
export function evidenceRecord(facts: EvidenceFacts): EvidenceRecord {
  const triggeredBy = facts.deployRun?.actor ?? facts.deployment.creator;
  const approvers = facts.approvals.filter((a) => a.state === "approved");
  const authors = [facts.commit?.author, facts.pullRequest?.author].filter((x): x is GitPerson => !!x);
  const flags: EvidenceFlags = {
    approverIsAuthor: approvers.some((a) =>
      authors.some((author) => same(a.email, author.email) || same(a.user, author.name)),
    ),
    approverIsTriggeringActor: approvers.some(
      (a) => same(a.user, triggeredBy) || same(a.user, facts.deployment.creator),
    ),
    unapproved: approvers.length === 0 || approvers.every((a) => a.bypass),
  };
  return { ...facts, triggeredBy, flags };
}

/** The CSV columns, one row per deployment. */
export const EVIDENCE_COLUMNS = [
  "deployment_id",
  "environment",
  "deployed_at",
  "state",
  "sha",
  "ref",
  "commit_author",
  "commit_message",
  "pull_request",
  "ci_runs",
  "triggered_by",
  "approvals",
  "approver_is_author",
  "approver_is_triggering_actor",
  "unapproved",
  "environment_url",
] as const;

/** A field as RFC 4180 quotes it; a leading =, +, - or @ gets a ' so a spreadsheet never runs it. */
function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** Records as CSV (RFC 4180, CRLF), a header first; lists within a field are separated by "; ". */
export function evidenceCsv(records: EvidenceRecord[]): string {
  const rows: string[][] = [[...EVIDENCE_COLUMNS]];
  for (const r of records) {
    rows.push([
      String(r.deployment.id),
      r.deployment.environment,
      r.deployment.createdAt,
      r.deployment.state ?? "",
      r.deployment.sha,
      r.deployment.ref,
      r.commit ? `${r.commit.author.name} <${r.commit.author.email}>` : "",
      r.commit ? (r.commit.message.split("\n")[0] ?? "") : "",
      r.pullRequest ? `#${r.pullRequest.number} ${r.pullRequest.title}` : "",
      r.commitRuns.map((run) => `${run.workflow} #${run.id}: ${run.conclusion ?? run.status}`).join("; "),
      r.triggeredBy,
      r.approvals
        .map(
          (a) => `${a.user} ${a.bypass ? "bypassed" : a.state} ${a.at}${a.comment ? `: ${a.comment}` : ""}`,
        )
        .join("; "),
      String(r.flags.approverIsAuthor),
      String(r.flags.approverIsTriggeringActor),
      String(r.flags.unapproved),
      r.deployment.url ?? "",
    ]);
  }
  return rows.map((row) => `${row.map(csvField).join(",")}\r\n`).join("");
}
