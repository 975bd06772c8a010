import { describe, expect, it } from "vitest";
import {
  deleteRefusal,
  deploymentBody,
  deploymentStatusBody,
  isProductionDefault,
} from "./deployment-body.js";

describe("GitHub's deployment bodies", () => {
  it("fills GitHub's defaults", () => {
    expect(deploymentBody.parse({ ref: "main" })).toEqual({
      ref: "main",
      task: "deploy",
      auto_merge: true,
      payload: {},
      environment: "production",
      description: "",
      transient_environment: false,
    });
    expect(deploymentStatusBody.parse({ state: "queued" })).toEqual({
      state: "queued",
      target_url: "",
      description: "",
      environment_url: "",
      auto_inactive: true,
    });
  });

  it("takes a payload as an object or a string, a string holding an object as that object", () => {
    const payload = (p: unknown) => deploymentBody.parse({ ref: "main", payload: p }).payload;
    expect(payload({ a: 1 })).toEqual({ a: 1 });
    expect(payload('{"a":1}')).toEqual({ a: 1 });
    expect(payload("deploy it")).toBe("deploy it");
    expect(payload("")).toEqual({});
    expect(deploymentBody.safeParse({ ref: "main", payload: [1] }).success).toBe(false);
  });

  it("refuses what GitHub refuses, and URLs a page could not link safely", () => {
    const fails = (schema: { safeParse(v: unknown): { success: boolean } }, v: unknown) =>
      schema.safeParse(v).success === false;
    expect(fails(deploymentBody, {})).toBe(true);
    expect(fails(deploymentBody, { ref: "" })).toBe(true);
    expect(fails(deploymentBody, { ref: "main", environment: "" })).toBe(true);
    expect(fails(deploymentBody, { ref: "main", unknown: 1 })).toBe(true);
    expect(fails(deploymentStatusBody, { state: "cancelled" })).toBe(true);
    expect(fails(deploymentStatusBody, { state: "success", description: "x".repeat(141) })).toBe(true);
    for (const url of ["javascript:alert(1)", "data:text/html,x", "ftp://x", "https://a b"])
      expect(fails(deploymentStatusBody, { state: "success", environment_url: url })).toBe(true);
    expect(fails(deploymentStatusBody, { state: "success", log_url: "https://ci.example/x" })).toBe(false);
  });

  it("production_environment defaults to true for production only", () => {
    expect(isProductionDefault("Production")).toBe(true);
    expect(isProductionDefault("staging")).toBe(false);
  });

  it("deletes only an inactive deployment, unless it is the repository's only one", () => {
    expect(deleteRefusal("success", 1)).toBeUndefined();
    expect(deleteRefusal("success", 2)).toMatch(/cannot delete an active deployment/);
    for (const state of ["inactive", "failure", "error", "queued", null])
      expect(deleteRefusal(state, 5)).toBeUndefined();
  });
});
