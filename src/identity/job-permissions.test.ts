import { describe, expect, it } from "vitest";
import {
  chainPermissions,
  jobTokenPermissions,
  lesserPermissions,
  levelAtLeast,
  PERMISSIONS,
} from "./job-permissions.js";

const own = { fork: false };
const fork = { fork: true };

describe("jobTokenPermissions", () => {
  it("without permissions: anywhere, reads contents and metadata only (GitHub's restricted default)", () => {
    expect(jobTokenPermissions(undefined, undefined, own)).toEqual({ contents: "read", metadata: "read" });
  });

  it("read-all and write-all grant every permission at that level", () => {
    const read = jobTokenPermissions("read-all", undefined, own);
    const write = jobTokenPermissions(undefined, "write-all", own);
    for (const name of PERMISSIONS) {
      expect(read[name]).toBe("read");
      expect(write[name]).toBe("write");
    }
  });

  it("a mapping grants what it names; what it leaves out is none, but metadata is always readable", () => {
    expect(jobTokenPermissions({ actions: "write", issues: "read", checks: "none" }, undefined, own)).toEqual(
      {
        actions: "write",
        issues: "read",
        checks: "none",
        metadata: "read",
      },
    );
    // `permissions: {}`: nothing but metadata.
    expect(jobTokenPermissions({}, undefined, own)).toEqual({ metadata: "read" });
    expect(jobTokenPermissions({ metadata: "write" }, undefined, own)).toEqual({ metadata: "write" });
  });

  it("the job's permissions: replace the workflow's (not merged with them)", () => {
    expect(jobTokenPermissions({ actions: "write", contents: "write" }, { issues: "write" }, own)).toEqual({
      issues: "write",
      metadata: "read",
    });
    expect(jobTokenPermissions("write-all", {}, own)).toEqual({ metadata: "read" });
    // The job without its own: the workflow's.
    expect(jobTokenPermissions({ statuses: "write" }, undefined, own)).toEqual({
      statuses: "write",
      metadata: "read",
    });
  });

  it("ignores names GitHub does not have and treats an unknown level as none", () => {
    expect(jobTokenPermissions({ "admin-everything": "write", actions: "owner" }, undefined, own)).toEqual({
      actions: "none",
      metadata: "read",
    });
    // A string other than read-all / write-all grants nothing.
    expect(jobTokenPermissions("admin", undefined, own)).toEqual({ metadata: "read" });
  });

  it("a fork's pull request reads at most, whatever the workflow asks", () => {
    const all = jobTokenPermissions("write-all", undefined, fork);
    for (const name of PERMISSIONS) expect(all[name]).toBe("read");
    expect(
      jobTokenPermissions({ actions: "write", issues: "none" }, { "pull-requests": "write" }, fork),
    ).toEqual({ "pull-requests": "read", metadata: "read" });
    expect(jobTokenPermissions(undefined, undefined, fork)).toEqual({ contents: "read", metadata: "read" });
  });
});

describe("chainPermissions (a called workflow's jobs)", () => {
  it("one level is jobTokenPermissions", () => {
    expect(chainPermissions([{ workflow: { actions: "write" }, job: undefined }], own)).toEqual({
      permissions: jobTokenPermissions({ actions: "write" }, undefined, own),
    });
    expect(chainPermissions([], own)).toEqual({ permissions: { contents: "read", metadata: "read" } });
  });

  it("a called workflow without permissions: inherits the caller's", () => {
    const levels = [
      { workflow: undefined, job: { actions: "write", contents: "read" } },
      { workflow: undefined, job: undefined },
    ];
    expect(chainPermissions(levels, own)).toEqual({
      permissions: { actions: "write", contents: "read", metadata: "read" },
    });
  });

  it("a called workflow may lower the caller's permissions", () => {
    const levels = [
      { workflow: { actions: "write", contents: "read" }, job: undefined },
      { workflow: "write-all", job: { actions: "read" } },
    ];
    expect(chainPermissions(levels, own)).toEqual({ permissions: { actions: "read", metadata: "read" } });
  });

  it("a called workflow asking for more than its caller has is refused, saying what it asked for", () => {
    const levels = [
      { workflow: { actions: "write", contents: "read" }, job: undefined },
      { workflow: undefined, job: { actions: "read", contents: "write", issues: "write" } },
    ];
    expect(chainPermissions(levels, own)).toEqual({
      permissions: { actions: "read", contents: "read", metadata: "read" },
      problem:
        "is requesting 'contents: write, issues: write', but is only allowed 'contents: read, issues: none'",
    });
    // The default (contents and metadata read) is what a caller without permissions: has.
    expect(
      chainPermissions(
        [
          { workflow: undefined, job: undefined },
          { workflow: "read-all", job: undefined },
        ],
        own,
      ).problem,
    ).toMatch(/^is requesting 'actions: read, /);
  });

  it("a fork's chain stays read-only, and asking for write there is no error", () => {
    const levels = [
      { workflow: "write-all", job: undefined },
      { workflow: undefined, job: { actions: "write" } },
    ];
    const { permissions, problem } = chainPermissions(levels, fork);
    expect(problem).toBeUndefined();
    expect(permissions).toEqual({ actions: "read", metadata: "read" });
    const inherited = chainPermissions(
      [levels[0], { workflow: undefined, job: undefined }],
      fork,
    ).permissions;
    for (const name of PERMISSIONS) expect(inherited[name]).toBe("read");
  });
});

describe("levels", () => {
  it("orders none < read < write; a missing permission is none", () => {
    expect(levelAtLeast("write", "read")).toBe(true);
    expect(levelAtLeast("read", "write")).toBe(false);
    expect(levelAtLeast(undefined, "read")).toBe(false);
    expect(levelAtLeast(undefined, "none")).toBe(true);
  });

  it("lesserPermissions keeps each permission at the lower level, dropping none", () => {
    expect(
      lesserPermissions(
        { actions: "write", contents: "read", issues: "write" },
        { actions: "read", issues: "none" },
      ),
    ).toEqual({ actions: "read" });
  });
});
