import { describe, expect, it } from "vitest";
import {
  EXPIRED_MESSAGE,
  type GateFacts,
  gateVerdict,
  REJECTED_MESSAGE,
  REVIEW_EXPIRY_MS,
  type ReviewRules,
  reviewStanding,
} from "./review-rules.js";

const T0 = Date.parse("2026-12-06T00:00:00Z");
const gate = (over: Partial<GateFacts> = {}): GateFacts => ({
  state: "waiting",
  needsReview: true,
  bypass: false,
  waitTimer: 0,
  startedAt: T0,
  ...over,
});

describe("gateVerdict", () => {
  it("waits for a review until it expires after 30 days", () => {
    expect(gateVerdict(gate(), T0)).toEqual({
      kind: "wait",
      until: T0 + REVIEW_EXPIRY_MS,
      reviewed: false,
      timerEnds: T0,
    });
    expect(gateVerdict(gate(), T0 + REVIEW_EXPIRY_MS - 1).kind).toBe("wait");
    expect(gateVerdict(gate(), T0 + REVIEW_EXPIRY_MS)).toEqual({ kind: "expire" });
    expect(gateVerdict(gate({ state: "expired" }), T0)).toEqual({
      kind: "refused",
      message: EXPIRED_MESSAGE,
    });
  });

  it("lets the job go once approved and the wait timer ran out, not before", () => {
    const timed = gate({ waitTimer: 1, state: "approved" });
    expect(gateVerdict(timed, T0 + 59_999)).toMatchObject({
      kind: "wait",
      until: T0 + 60_000,
      reviewed: true,
    });
    expect(gateVerdict(timed, T0 + 60_000)).toEqual({ kind: "pass" });
    // The timer alone does not let a job that needs a review through.
    expect(gateVerdict(gate({ waitTimer: 1 }), T0 + 120_000)).toMatchObject({
      kind: "wait",
      reviewed: false,
    });
  });

  it("a timer without reviewers needs no review and never expires", () => {
    const timer = gate({ needsReview: false, waitTimer: 43_200 });
    expect(gateVerdict(timer, T0 + REVIEW_EXPIRY_MS - 1)).toMatchObject({ kind: "wait", reviewed: true });
    expect(gateVerdict(timer, T0 + REVIEW_EXPIRY_MS)).toEqual({ kind: "pass" });
  });

  it("a rejection refuses in GitHub's words; a bypass passes at once, the timer too", () => {
    expect(gateVerdict(gate({ state: "rejected" }), T0)).toEqual({
      kind: "refused",
      message: REJECTED_MESSAGE,
    });
    expect(gateVerdict(gate({ state: "approved", bypass: true, waitTimer: 10 }), T0)).toEqual({
      kind: "pass",
    });
  });
});

describe("reviewStanding", () => {
  const rules = (over: Partial<ReviewRules> = {}): ReviewRules => ({
    reviewers: [{ type: "User", id: 7 }],
    preventSelfReview: false,
    canAdminsBypass: false,
    ...over,
  });
  const rita = { id: 7, login: "rita", admin: false };
  const olga = { id: 8, login: "olga", admin: false };
  const boss = { id: 9, login: "boss", admin: true };

  it("a required reviewer approves and rejects", () => {
    expect(reviewStanding("prod", rules(), rita, "someone", "approved")).toEqual({
      may: true,
      bypass: false,
    });
    expect(reviewStanding("prod", rules(), rita, "someone", "rejected")).toEqual({
      may: true,
      bypass: false,
    });
  });

  it("prevent_self_review: the one who started the run may not approve it (any case), but may reject it", () => {
    const strict = rules({ preventSelfReview: true });
    const own = reviewStanding("prod", strict, rita, "RITA", "approved");
    expect(own.may).toBe(false);
    expect(own.may === false && own.message).toMatch(/cannot approve your own deployment to prod/);
    expect(reviewStanding("prod", strict, rita, "rita", "rejected")).toEqual({ may: true, bypass: false });
    expect(reviewStanding("prod", rules(), rita, "rita", "approved")).toEqual({ may: true, bypass: false });
  });

  it("one who is no reviewer may not; an admin may only when admins may bypass, as a bypass", () => {
    const no = reviewStanding("prod", rules(), olga, "x", "approved");
    expect(no.may === false && no.message).toMatch(/not a required reviewer of the environment prod/);
    expect(reviewStanding("prod", rules(), boss, "x", "approved").may).toBe(false);
    expect(reviewStanding("prod", rules({ canAdminsBypass: true }), boss, "x", "approved")).toEqual({
      may: true,
      bypass: true,
    });
    expect(reviewStanding("prod", rules({ canAdminsBypass: true }), boss, "x", "rejected")).toEqual({
      may: true,
      bypass: false,
    });
    // An admin who started the run bypasses self-review only where admins may bypass.
    const adminReviewer = { ...rita, admin: true };
    const strict = rules({ preventSelfReview: true });
    expect(reviewStanding("prod", strict, adminReviewer, "rita", "approved").may).toBe(false);
    expect(
      reviewStanding("prod", { ...strict, canAdminsBypass: true }, adminReviewer, "rita", "approved"),
    ).toEqual({
      may: true,
      bypass: true,
    });
    expect(reviewStanding("prod", rules({ canAdminsBypass: true }), olga, "x", "approved").may).toBe(false);
  });
});
