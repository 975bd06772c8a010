import { describe, expect, it } from "vitest";
import { legacyPermission, minRole, parseRole, roleAtLeast, rolePermissions } from "./roles.js";

describe("repository roles", () => {
  it("reads GitHub's role names and its aliases pull and push; nothing else", () => {
    expect(["read", "triage", "write", "maintain", "admin", "pull", "push"].map(parseRole)).toEqual([
      "read",
      "triage",
      "write",
      "maintain",
      "admin",
      "read",
      "write",
    ]);
    expect(parseRole("owner")).toBeUndefined();
    expect(parseRole("Admin")).toBeUndefined();
    expect(parseRole("__proto__")).toBeUndefined();
  });

  it("orders the roles from read to admin", () => {
    expect(roleAtLeast("maintain", "write")).toBe(true);
    expect(roleAtLeast("triage", "write")).toBe(false);
    expect(minRole("admin", "read")).toBe("read");
    expect(minRole("triage", "maintain")).toBe("triage");
  });

  it("answers GitHub's permission flags and legacy permission", () => {
    expect(rolePermissions("triage")).toEqual({
      pull: true,
      triage: true,
      push: false,
      maintain: false,
      admin: false,
    });
    expect(rolePermissions("admin")).toEqual({
      pull: true,
      triage: true,
      push: true,
      maintain: true,
      admin: true,
    });
    expect(
      [undefined, "read", "triage", "write", "maintain", "admin"].map((r) => legacyPermission(r as never)),
    ).toEqual(["none", "read", "read", "write", "write", "admin"]);
  });
});
