import { describe, expect, it } from "vitest";
import { openSqliteStore } from "../store/index.js";
import { PayloadError } from "../triggers/index.js";
import { DELIVERY_RETENTION_DAYS, DeliveryLog, deliveryId } from "./webhook-deliveries.js";

const DAY = 24 * 60 * 60 * 1000;

describe("deliveryId", () => {
  it("reads each forge's header (GitLab's Idempotency-Key before its event UUID)", () => {
    expect(deliveryId("github", new Headers({ "x-github-delivery": " 72d3162e-cc78 " }))).toBe(
      "72d3162e-cc78",
    );
    expect(deliveryId("gitea", new Headers({ "x-gitea-delivery": "g-1" }))).toBe("g-1");
    expect(deliveryId("gitea", new Headers({ "x-forgejo-delivery": "f-1", "x-gitea-delivery": "g-1" }))).toBe(
      "f-1",
    );
    const gitlab = new Headers({ "idempotency-key": "k-1", "x-gitlab-event-uuid": "u-1" });
    expect(deliveryId("gitlab", gitlab)).toBe("k-1");
    expect(deliveryId("gitlab", new Headers({ "x-gitlab-event-uuid": "u-1" }))).toBe("u-1");
    expect(deliveryId("github", new Headers({ "x-gitea-delivery": "g-1" }))).toBeUndefined();
  });

  it("refuses an id no forge sends", () => {
    for (const bad of ["", "a b", "x".repeat(201), "é"]) {
      expect(() => deliveryId("github", new Headers({ "x-github-delivery": bad }))).toThrow(PayloadError);
    }
  });
});

describe("DeliveryLog", () => {
  it("answers a replay false until the id is older than the retention", async () => {
    const store = await openSqliteStore(":memory:");
    let now = Date.parse("2026-01-01T00:00:00Z");
    const log = new DeliveryLog(store, undefined, () => now);
    expect(await log.remember("github", "d")).toBe(true);
    now += (DELIVERY_RETENTION_DAYS - 1) * DAY;
    expect(await log.remember("github", "d")).toBe(false);
    now += 2 * DAY;
    expect(await log.remember("github", "d")).toBe(true);
    await store.close();
  });
});
