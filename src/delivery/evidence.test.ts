import { describe, expect, it } from "vitest";
import { type EvidenceFacts, evidenceCsv, evidenceRecord } from "./evidence.js";

const RUN = {
  id: 7,
  workflow: "Deploy",
  event: "workflow_dispatch",
  attempt: 1,
  status: "completed",
  conclusion: "success",
  actor: "dana",
  url: "http://gantry/acme/app/actions/runs/7",
};

function facts(over: Partial<EvidenceFacts> = {}): EvidenceFacts {
  return {
    deployment: {
      id: 3,
      environment: "production",
      ref: "main",
      sha: "a".repeat(40),
      createdAt: "2026-12-01T10:00:00Z",
      state: "success",
      url: "https://prod.example",
      creator: "dana",
    },
    commit: {
      sha: "a".repeat(40),
      message: "Ship it\n\nlong text",
      author: { name: "Carl Coder", email: "carl@example.com" },
      authoredAt: "2026-12-01T09:00:00Z",
    },
    pullRequest: {
      number: 4,
      title: 'Add, "quoted" feature',
      headRef: "f",
      baseRef: "main",
      url: "u",
      author: { name: "Pat Author", email: "pat@example.com" },
    },
    deployRun: RUN,
    commitRuns: [{ ...RUN, id: 6, workflow: "CI", event: "push", actor: "carl" }, RUN],
    approvals: [
      {
        state: "approved",
        user: "rita",
        email: "rita@example.com",
        comment: "ok",
        at: "2026-12-01T10:01:00Z",
        bypass: false,
      },
    ],
    ...over,
  };
}

describe("evidenceRecord", () => {
  it("flags nothing when author, trigger and approver are three people", () => {
    const r = evidenceRecord(facts());
    expect(r.triggeredBy).toBe("dana");
    expect(r.flags).toEqual({ approverIsAuthor: false, approverIsTriggeringActor: false, unapproved: false });
  });

  it("flags an approver who wrote the commit (by e-mail or name) or started the run", () => {
    const byEmail = facts({
      approvals: [
        { state: "approved", user: "cc", email: "CARL@example.com", comment: "", at: "t", bypass: false },
      ],
    });
    expect(evidenceRecord(byEmail).flags.approverIsAuthor).toBe(true);
    const byName = facts({
      approvals: [
        { state: "approved", user: "carl coder", email: null, comment: "", at: "t", bypass: false },
      ],
    });
    expect(evidenceRecord(byName).flags.approverIsAuthor).toBe(true);
    const prAuthor = facts({
      approvals: [
        { state: "approved", user: "pat", email: "pat@example.com", comment: "", at: "t", bypass: false },
      ],
    });
    expect(evidenceRecord(prAuthor).flags.approverIsAuthor).toBe(true);
    const self = facts({
      approvals: [{ state: "approved", user: "Dana", email: null, comment: "", at: "t", bypass: false }],
    });
    expect(evidenceRecord(self).flags).toMatchObject({
      approverIsTriggeringActor: true,
      approverIsAuthor: false,
    });
  });

  it("flags a deployment nobody approved, or only bypassed; a rejection is no approval", () => {
    expect(evidenceRecord(facts({ approvals: [] })).flags.unapproved).toBe(true);
    const bypassed = facts({
      approvals: [{ state: "approved", user: "admin", email: null, comment: "", at: "t", bypass: true }],
    });
    expect(evidenceRecord(bypassed).flags.unapproved).toBe(true);
    const rejected = facts({
      approvals: [{ state: "rejected", user: "dana", email: null, comment: "no", at: "t", bypass: false }],
    });
    expect(evidenceRecord(rejected).flags).toMatchObject({
      unapproved: true,
      approverIsTriggeringActor: false,
    });
  });

  it("names the API's creator when no run made the deployment", () => {
    expect(
      evidenceRecord(facts({ deployRun: null, deployment: { ...facts().deployment, creator: "argo" } }))
        .triggeredBy,
    ).toBe("argo");
  });
});

describe("evidenceCsv", () => {
  it("writes one quoted row per deployment under a header, and defuses spreadsheet formulas", () => {
    const csv = evidenceCsv([
      evidenceRecord(facts()),
      evidenceRecord(
        facts({
          commit: null,
          pullRequest: null,
          deployment: { ...facts().deployment, ref: "=HYPERLINK(1)" },
        }),
      ),
    ]);
    const lines = csv.split("\r\n");
    expect(lines[0]).toBe(
      "deployment_id,environment,deployed_at,state,sha,ref,commit_author,commit_message,pull_request,ci_runs,triggered_by,approvals,approver_is_author,approver_is_triggering_actor,unapproved,environment_url",
    );
    expect(lines[1]).toBe(
      `3,production,2026-12-01T10:00:00Z,success,${"a".repeat(40)},main,Carl Coder <carl@example.com>,Ship it,"#4 Add, ""quoted"" feature",CI #6: success; Deploy #7: success,dana,rita approved 2026-12-01T10:01:00Z: ok,false,false,false,https://prod.example`,
    );
    expect(lines[2]).toContain(",'=HYPERLINK(1),");
    expect(lines).toHaveLength(4);
    expect(lines[3]).toBe("");
  });
});
