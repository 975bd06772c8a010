import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BasicExpressionToken } from "@actions/workflow-parser/templates/tokens/basic-expression-token";
import { describe, expect, it } from "vitest";
import { hashFiles } from "./hash-files.js";
import {
  evaluateCondition,
  evaluateExpression,
  hashFilesFunction,
  isSuccessCondition,
  toText,
} from "./index.js";

const status = { success: () => false, failure: () => true, cancelled: () => false };

describe("evaluateExpression", () => {
  it("reads contexts case-insensitively and keeps types", () => {
    const ctx = { matrix: { Node: 18 }, env: { A: "x" } };
    expect(evaluateExpression("matrix.node", ctx)).toBe(18);
    expect(evaluateExpression("env.a == 'X'", ctx)).toBe(true);
    expect(evaluateExpression("fromJSON('{\"a\":[1,2]}').a[1]", ctx)).toBe(2);
  });

  it("reads every context the expression names, in any case, whole or by index and filter", () => {
    const ctx = {
      github: { sha: "abc", event: { n: 1 } },
      steps: { a: { outputs: { v: "1" } }, b: { outputs: { v: "2" } } },
      Env: { X: "y" },
    };
    expect(evaluateExpression("GITHUB.sha", ctx)).toBe("abc");
    expect(evaluateExpression("github['event'].n == 1", ctx)).toBe(true);
    expect(evaluateExpression("toJSON(steps.*.outputs.v)", ctx)).toBe('[\n  "1",\n  "2"\n]');
    expect(evaluateExpression("env.x", ctx)).toBe("y");
    expect(evaluateExpression("format('{0}', github.sha) == 'ABC'", ctx)).toBe(true);
    expect(() => evaluateExpression("nothere.x", ctx)).toThrow("could not be evaluated");
  });

  it("answers status functions from the caller", () => {
    expect(evaluateExpression("failure() && !success()", {}, { status })).toBe(true);
    expect(evaluateExpression("always()", {}, { status })).toBe(true);
  });

  it("answers a job's or step's default condition, success(), from the status function", () => {
    const bare = new BasicExpressionToken(undefined, undefined, "success()", undefined, undefined, undefined);
    let ok = true;
    const own = { success: () => ok, failure: () => !ok, cancelled: () => false };
    expect(evaluateCondition(bare, {}, { status: own })).toBe(true);
    ok = false;
    expect(evaluateCondition(bare, {}, { status: own })).toBe(false);
    expect(() => evaluateCondition(bare, {}, {})).toThrow("could not be evaluated");
  });

  it("tells the default condition, success() alone, from any other (the engine waits on a job's ancestors only for another)", () => {
    const token = (text: string) =>
      new BasicExpressionToken(undefined, undefined, text, undefined, undefined, undefined);
    expect(isSuccessCondition(token("success()"))).toBe(true);
    for (const other of ["failure()", "always()", "success() || failure()", "!failure()", "cancelled()"])
      expect(isSuccessCondition(token(other))).toBe(false);
  });

  it("unescapes every '' in a string literal", () => {
    expect(evaluateExpression("format('echo ''{0}'' ''b''', 'a')", {})).toBe("echo 'a' 'b'");
  });

  it("reports what could not be evaluated", () => {
    expect(() => evaluateExpression("nope(", {})).toThrow("could not be evaluated");
  });

  it("coerces to text as GitHub does", () => {
    expect(toText(null)).toBe("");
    expect(toText(true)).toBe("true");
    expect(toText(1.5)).toBe("1.5");
    expect(toText({ a: 1 })).toBe('{\n  "a": 1\n}');
  });
});

describe("hashFiles", () => {
  it("hashes the sha256 of each matched file, in path order, and honours exclusions", () => {
    const dir = mkdtempSync(join(tmpdir(), "hash-"));
    mkdirSync(join(dir, "a", "b"), { recursive: true });
    writeFileSync(join(dir, "a", "x.lock"), "one");
    writeFileSync(join(dir, "a", "b", "y.lock"), "two");
    writeFileSync(join(dir, "z.txt"), "three");
    const sha = (s: string) => createHash("sha256").update(s).digest();
    const expected = createHash("sha256")
      .update(Buffer.concat([sha("two"), sha("one")]))
      .digest("hex");
    expect(hashFiles(dir, ["**/*.lock"])).toBe(expected);
    expect(hashFiles(dir, ["**/*.lock", "!a/b/**"])).toBe(
      createHash("sha256").update(sha("one")).digest("hex"),
    );
    expect(hashFiles(dir, ["*.none"])).toBe("");
    expect(evaluateExpression("hashFiles('z.txt')", {}, { functions: [hashFilesFunction(dir)] })).toBe(
      createHash("sha256").update(sha("three")).digest("hex"),
    );
  });
});
