import { describe, expect, it } from "vitest";
import { metricsText } from "./metrics.js";

const base = {
  repository: "acme/app",
  environment: "production",
  since: "2026-11-07T12:00:00Z",
  until: "2026-12-07T12:00:00Z",
  days: 30,
};

describe("metricsText", () => {
  it("says each key in words, a day's rate once there is one a day", () => {
    expect(
      metricsText({
        ...base,
        deployments: { succeeded: 45, failed: 5 },
        deployment_frequency: { per_day: 1.5, per_week: 10.5 },
        lead_time_for_changes: { changes: 120, median_seconds: 5400, p90_seconds: 90_000 },
        change_failure_rate: 0.1,
        time_to_restore: { restored: 4, median_seconds: 1800, unrestored_since: "2026-12-07T11:00:00Z" },
      }),
    ).toBe(
      [
        "acme/app production: 2026-11-07T12:00:00Z to 2026-12-07T12:00:00Z (30 days)",
        "Deployment frequency   1.5 a day (45 successful deployments)",
        "Lead time for changes  median 1h30m0s, p90 25h0m0s (120 changes)",
        "Change failure rate    10% (5 of 50 finished deployments failed)",
        "Time to restore        median 30m0s (4 restores); failing since 2026-12-07T11:00:00Z",
        "",
      ].join("\n"),
    );
  });

  it("says where there is nothing to measure", () => {
    const text = metricsText({
      ...base,
      deployments: { succeeded: 0, failed: 0 },
      deployment_frequency: { per_day: 0, per_week: 0 },
      lead_time_for_changes: { changes: 0, median_seconds: null, p90_seconds: null },
      change_failure_rate: null,
      time_to_restore: { restored: 0, median_seconds: null, unrestored_since: null },
    });
    expect(text).toContain("Deployment frequency   0 a week (0 successful deployments)");
    expect(text).toContain("Lead time for changes  no changes deployed");
    expect(text).toContain("Change failure rate    no deployment finished");
    expect(text).toContain("Time to restore        nothing restored\n");
  });
});
