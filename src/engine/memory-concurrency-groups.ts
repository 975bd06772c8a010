import {
  type Admission,
  abandonedMessage,
  type ConcurrencyGroups,
  type ConcurrencyRequest,
  type ConcurrencySlot,
  groupKey,
  MAX_PENDING,
  queueFullMessage,
  supersededMessage,
} from "./concurrency-groups.js";

class Holder implements ConcurrencySlot {
  private superseded: string | undefined;
  private listeners: Array<(message: string) => void> = [];
  private released = false;

  constructor(
    readonly request: ConcurrencyRequest,
    private readonly onRelease: (holder: Holder) => void,
  ) {}

  supersede(message: string): void {
    if (this.superseded !== undefined) return;
    this.superseded = message;
    for (const fn of this.listeners.splice(0)) fn(message);
  }

  onSuperseded(fn: (message: string) => void): void {
    if (this.superseded !== undefined) fn(this.superseded);
    else this.listeners.push(fn);
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    this.onRelease(this);
  }
}

interface Waiter {
  request: ConcurrencyRequest;
  settle: (admission: Admission) => void;
}

interface Group {
  running?: Holder;
  /** Oldest first: the order the requests started waiting. */
  pending: Waiter[];
}

/**
 * Concurrency groups held in memory, for the runs of one process: at most one running holder per
 * group; waiting requests are replaced by a newer one (`queue: single`) or wait in order up to
 * MAX_PENDING (`queue: max`); cancel-in-progress supersedes the running holder.
 */
export class MemoryConcurrencyGroups implements ConcurrencyGroups {
  private groups = new Map<string, Group>();

  acquire(request: ConcurrencyRequest, signal?: AbortSignal): Promise<Admission> {
    if (signal?.aborted) return Promise.resolve({ granted: false, message: abandonedMessage(request.group) });
    const key = groupKey(request.group);
    let group = this.groups.get(key);
    if (!group) {
      group = { pending: [] };
      this.groups.set(key, group);
    }
    if (!group.running) return Promise.resolve({ granted: true, slot: this.run(key, group, request) });
    const message = supersededMessage(request.group, request.label);
    if (request.cancelInProgress) group.running.supersede(message);
    if (request.queue === "single") {
      for (const waiter of group.pending.splice(0)) waiter.settle({ granted: false, message });
    } else if (group.pending.length >= MAX_PENDING) {
      return Promise.resolve({ granted: false, message: queueFullMessage(request.group) });
    }
    const pending = group.pending;
    request.onWaiting?.();
    return new Promise<Admission>((resolve) => {
      const waiter: Waiter = {
        request,
        settle: (admission) => {
          signal?.removeEventListener("abort", abort);
          resolve(admission);
        },
      };
      const abort = () => {
        const at = pending.indexOf(waiter);
        if (at < 0) return;
        pending.splice(at, 1);
        waiter.settle({ granted: false, message: abandonedMessage(request.group) });
      };
      signal?.addEventListener("abort", abort, { once: true });
      pending.push(waiter);
    });
  }

  /** The holders running and waiting in a group, for tests and listings. */
  snapshot(group: string): { running?: string; pending: string[] } {
    const g = this.groups.get(groupKey(group));
    return { running: g?.running?.request.holder, pending: g?.pending.map((w) => w.request.holder) ?? [] };
  }

  private run(key: string, group: Group, request: ConcurrencyRequest): Holder {
    const holder = new Holder(request, (h) => this.release(key, group, h));
    group.running = holder;
    return holder;
  }

  private release(key: string, group: Group, holder: Holder): void {
    if (group.running !== holder) return;
    group.running = undefined;
    const next = group.pending.shift();
    if (next) next.settle({ granted: true, slot: this.run(key, group, next.request) });
    else if (this.groups.get(key) === group) this.groups.delete(key);
  }
}
