// Webhook replays: each forge names a delivery with an id that a redelivery keeps (GitHub's
// X-GitHub-Delivery; Gitea's X-Gitea-Delivery, Forgejo's X-Forgejo-Delivery; GitLab's
// Idempotency-Key, else X-Gitlab-Event-UUID). The server remembers the id of each delivery it
// accepts, in the Store, for DELIVERY_RETENTION_DAYS: the same id again is a replay, answered 200
// and starting nothing. Remembering is one insert-if-absent, so of two deliveries with the same id
// arriving together exactly one starts runs, on one server or several sharing a database.
import type { Store } from "../store/index.js";
import { type Forge, PayloadError, type WebhookHeaders } from "../triggers/index.js";

/** How long a delivery id is remembered (GitHub lets a delivery be redelivered for 3 days). */
export const DELIVERY_RETENTION_DAYS = 7;

/** How often old ids are pruned, at most (on a delivery, not on a timer). */
const PRUNE_EVERY_MS = 60 * 60 * 1000;

const HEADERS: Record<Forge, string[]> = {
  github: ["x-github-delivery"],
  gitea: ["x-forgejo-delivery", "x-gitea-delivery", "x-gogs-delivery"],
  gitlab: ["idempotency-key", "x-gitlab-event-uuid"],
};

/** Printable ASCII without spaces, as the forges' GUIDs and UUIDs are. */
const ID = /^[\x21-\x7e]{1,200}$/;

/**
 * The delivery's id from the forge's header; undefined when it sends none (older forges).
 * PayloadError (400) for an id that no forge sends: empty, over 200 characters or not printable.
 */
export function deliveryId(forge: Forge, headers: WebhookHeaders): string | undefined {
  for (const name of HEADERS[forge]) {
    const value = headers.get(name);
    if (value === null) continue;
    const id = value.trim();
    if (!ID.test(id)) {
      throw new PayloadError(`${name} is not a delivery id (1 to 200 printable characters, no spaces)`);
    }
    return id;
  }
  return undefined;
}

export class DeliveryLog {
  private lastPrune = 0;

  constructor(
    private readonly store: Store,
    private readonly retentionMs = DELIVERY_RETENTION_DAYS * 24 * 60 * 60 * 1000,
    private readonly now: () => number = Date.now,
  ) {}

  /** True when the delivery is new (now remembered), false for a replay. */
  async remember(forge: Forge, id: string): Promise<boolean> {
    const at = this.now();
    if (at - this.lastPrune >= PRUNE_EVERY_MS) {
      this.lastPrune = at;
      await this.store.pruneDeliveries(new Date(at - this.retentionMs).toISOString());
    }
    return this.store.rememberDelivery(forge, id, new Date(at).toISOString());
  }
}
