import { describe, expect, it } from "vitest";
import { placeErrors } from "./dispatch-errors.js";

describe("dispatch errors", () => {
  it("puts each input's problem next to its field and the rest above the form", () => {
    expect(
      placeErrors("Invalid inputs", [
        ".github/workflows/deploy.yml:7:9: Input 'env' must be one of staging, prod, got 'dev'",
        ".github/workflows/deploy.yml:5:7: Input 'version' is required",
        ".github/workflows/deploy.yml:4:5: Unexpected inputs provided: extra",
      ]),
    ).toEqual({
      fields: {
        env: "Input 'env' must be one of staging, prod, got 'dev'",
        version: "Input 'version' is required",
      },
      form: ["Unexpected inputs provided: extra"],
    });
  });

  it("says a missing ref on the ref field, and any other message above the form", () => {
    expect(placeErrors("No ref found for: nope", [])).toEqual({
      fields: {},
      ref: "No ref found for: nope",
      form: [],
    });
    expect(placeErrors("Workflow does not have 'workflow_dispatch' trigger", [])).toEqual({
      fields: {},
      form: ["Workflow does not have 'workflow_dispatch' trigger"],
    });
  });
});
