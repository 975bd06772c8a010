import { describe, expect, it } from "vitest";
import type { GraphJobDef } from "../graph/model.js";
import { edgesOf, promotionOrder } from "./promotion.js";

const job = (id: string, needs: string[] = [], over: Partial<GraphJobDef> = {}): GraphJobDef => ({
  id,
  name: null,
  needs,
  uses: null,
  matrix: false,
  environment: null,
  jobs: null,
  ...over,
});

describe("the promotion path", () => {
  it("orders environments by the needs chains between the jobs deploying to them", () => {
    const defs = [
      job("build"),
      job("test", ["build"]),
      job("dev", ["test"], { environment: "dev" }),
      job("smoke", ["dev"]),
      job("prod", ["smoke", "stage"], { environment: "production" }),
      job("stage", ["dev"], { environment: "staging" }),
    ];
    const edges = edgesOf(defs);
    expect(edges).toEqual(
      expect.arrayContaining([
        ["dev", "staging"],
        ["dev", "production"],
        ["staging", "production"],
      ]),
    );
    expect(edges).toHaveLength(3);
    // First use would say otherwise: the needs win.
    const order = promotionOrder(
      [
        { name: "production", firstUsed: "2026-01-01T00:00:00Z" },
        { name: "staging", firstUsed: "2026-01-02T00:00:00Z" },
        { name: "dev", firstUsed: "2026-01-03T00:00:00Z" },
      ],
      edges,
    );
    expect(order).toEqual(["dev", "staging", "production"]);
  });

  it("follows needs into and out of a called workflow", () => {
    const defs = [
      job("deploy-dev", [], { environment: "dev" }),
      job("call", ["deploy-dev"], {
        uses: "./.github/workflows/stage.yml",
        jobs: [job("prep"), job("ship", ["prep"], { environment: "staging" })],
      }),
      job("release", ["call"], { environment: "production" }),
    ];
    expect(new Set(edgesOf(defs).map((e) => e.join(">")))).toEqual(
      new Set(["dev>staging", "dev>production", "staging>production"]),
    );
  });

  it("falls back to first use where no needs relate them, and survives contradicting workflows", () => {
    const envs = [
      { name: "b", firstUsed: "2026-01-02T00:00:00Z" },
      { name: "a", firstUsed: "2026-01-01T00:00:00Z" },
      { name: "c", firstUsed: "2026-01-03T00:00:00Z" },
    ];
    expect(promotionOrder(envs, [])).toEqual(["a", "b", "c"]);
    expect(promotionOrder(envs, [["c", "a"]])).toEqual(["b", "c", "a"]);
    expect(
      promotionOrder(envs, [
        ["a", "b"],
        ["b", "a"],
      ]),
    ).toEqual(["a", "b", "c"]);
    // Edges naming environments that are not listed are ignored.
    expect(promotionOrder(envs, [["x", "a"]])).toEqual(["a", "b", "c"]);
  });
});
