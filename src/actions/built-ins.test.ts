import { describe, expect, it } from "vitest";
import { BUILT_IN } from "./built-ins.js";
import { BuiltInActions, builtInNames } from "./index.js";

describe("the built-in actions", () => {
  it("are named in index.ts as built-ins.ts implements them", () => {
    expect(builtInNames().sort()).toEqual(Object.keys(BUILT_IN).sort());
  });

  it("are provided whatever the case and ref, and nothing else is", () => {
    const actions = new BuiltInActions();
    for (const name of Object.keys(BUILT_IN)) expect(actions.provides(`${name.toUpperCase()}@v4`)).toBe(true);
    expect(actions.provides("actions/github-script@v7")).toBe(false);
  });
});
