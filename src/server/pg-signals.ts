import { randomUUID } from "node:crypto";
import { PgSession } from "./pg-session.js";
import { LocalSignals, type Signals } from "./signals.js";

/** The one channel every server listens on. */
const CHANNEL = "gantry_signals";
/** A NOTIFY payload must be shorter than 8000 bytes: ours stay under this. */
export const PAYLOAD_LIMIT = 7900;
/** Signals kept while the connection is down (the oldest go first beyond it). */
const BACKLOG = 10_000;

type Packet =
  /** Whole messages, in order: [topic, message] each. */
  | { o: string; b: [string, string][] }
  /** Part k of n of one message too long for a payload: a piece of JSON [topic, message]. */
  | { o: string; i: number; k: number; n: number; d: string };

const bytes = (text: string) => Buffer.byteLength(text, "utf8");

/**
 * The payloads that carry `entries` in order: as many whole messages as fit in each, and a
 * message too long for one split into parts, never cut short (PostgreSQL refuses a payload over
 * its limit; a shorter one must still say all). `ends`: how many entries each payload completes.
 */
export function packSignals(
  origin: string,
  entries: [string, string][],
  nextId: () => number,
  limit = PAYLOAD_LIMIT,
): { payload: string; ends: number }[] {
  const payloads: { payload: string; ends: number }[] = [];
  let batch: [string, string][] = [];
  const flush = () => {
    if (batch.length > 0)
      payloads.push({
        payload: JSON.stringify({ o: origin, b: batch } satisfies Packet),
        ends: batch.length,
      });
    batch = [];
  };
  for (const entry of entries) {
    const alone = JSON.stringify({ o: origin, b: [entry] } satisfies Packet);
    if (bytes(alone) > limit) {
      flush();
      const parts = splitMessage(origin, nextId(), JSON.stringify(entry), limit);
      parts.forEach((payload, k) => payloads.push({ payload, ends: k === parts.length - 1 ? 1 : 0 }));
      continue;
    }
    const grown = JSON.stringify({ o: origin, b: [...batch, entry] } satisfies Packet);
    if (bytes(grown) > limit) {
      flush();
      batch = [entry];
    } else batch.push(entry);
  }
  flush();
  return payloads;
}

function splitMessage(origin: string, id: number, text: string, limit: number): string[] {
  const pieces: string[] = [];
  // Room for the envelope around a piece (origin, id, counts).
  const budget = limit - bytes(JSON.stringify({ o: origin, i: id, k: 999999, n: 999999, d: "" }));
  let at = 0;
  while (at < text.length) {
    let n = Math.min(budget, text.length - at);
    for (;;) {
      const size = bytes(JSON.stringify(text.slice(at, at + n)));
      if (size <= budget) break;
      n = Math.max(1, Math.floor((n * budget) / size) - 1);
    }
    pieces.push(text.slice(at, at + n));
    at += n;
  }
  return pieces.map((d, k) => JSON.stringify({ o: origin, i: id, k, n: pieces.length, d } satisfies Packet));
}

/**
 * Puts payloads back together into [topic, message] entries: whole messages at once, a split one
 * once its last part came (parts of one sender arrive in the order it sent them).
 */
export class SignalAssembler {
  private partial = new Map<string, { parts: string[]; at: number }>();

  constructor(private readonly origin: string) {}

  /** The entries a payload completes; none for one of this process's own or one unreadable. */
  take(payload: string, now = Date.now()): [string, string][] {
    let packet: Packet;
    try {
      packet = JSON.parse(payload) as Packet;
    } catch {
      return [];
    }
    if (!packet || typeof packet !== "object" || packet.o === this.origin) return [];
    if ("b" in packet) return Array.isArray(packet.b) ? packet.b.filter(isEntry) : [];
    const key = `${packet.o}\0${packet.i}`;
    for (const [k, v] of this.partial) if (now - v.at > 60_000) this.partial.delete(k);
    const held = this.partial.get(key) ?? { parts: [], at: now };
    if (packet.k !== held.parts.length) {
      // A part missing (the connection dropped in between): the message is lost, not garbled.
      this.partial.delete(key);
      return [];
    }
    held.parts.push(packet.d);
    if (held.parts.length < packet.n) {
      this.partial.set(key, held);
      return [];
    }
    this.partial.delete(key);
    try {
      const entry = JSON.parse(held.parts.join("")) as unknown;
      return isEntry(entry) ? [entry] : [];
    } catch {
      return [];
    }
  }
}

function isEntry(value: unknown): value is [string, string] {
  return Array.isArray(value) && typeof value[0] === "string" && typeof value[1] === "string";
}

/**
 * Signals between the servers on one PostgreSQL database, through LISTEN/NOTIFY on one dedicated
 * connection per server (made again when it drops). A signal reaches this server's own listeners
 * at once and the others' through the channel; a long message travels in parts.
 */
export class PgSignals implements Signals {
  private readonly local = new LocalSignals();
  private readonly origin = randomUUID();
  private readonly assembler = new SignalAssembler(this.origin);
  private readonly session: PgSession;
  private backlog: [string, string][] = [];
  private sending = false;
  private dropped = 0;
  private ids = 0;

  constructor(
    url: string,
    private readonly log: (message: string) => void,
  ) {
    this.session = new PgSession(url, {
      name: "signals",
      log,
      onConnect: async (client) => {
        await client.query(`LISTEN ${CHANNEL}`);
      },
      onUp: () => void this.send(),
      onNotification: (channel, payload) => {
        if (channel !== CHANNEL) return;
        for (const [topic, message] of this.assembler.take(payload)) this.local.publish(topic, message);
      },
    });
  }

  /** Listening once this resolves (or trying again in the background when PostgreSQL is away). */
  start(): Promise<void> {
    return this.session.start();
  }

  publish(topic: string, message = ""): void {
    this.local.publish(topic, message);
    if (this.backlog.length >= BACKLOG) {
      this.backlog.shift();
      if (this.dropped++ === 0)
        this.log("signals: PostgreSQL is away; the oldest signals to peers are dropped");
    }
    this.backlog.push([topic, message]);
    void this.send();
  }

  subscribe(topic: string, listener: (message: string) => void): () => void {
    return this.local.subscribe(topic, listener);
  }

  /** Sends what waits, in order, while the connection is up. */
  private async send(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    try {
      for (;;) {
        const client = this.session.client;
        if (!client || this.backlog.length === 0) return;
        const entries = this.backlog;
        this.backlog = [];
        let done = 0;
        try {
          for (const { payload, ends } of packSignals(this.origin, entries, () => ++this.ids)) {
            await client.query("select pg_notify($1, $2)", [CHANNEL, payload]);
            done += ends;
          }
          this.dropped = 0;
        } catch {
          // The connection broke: the messages not wholly sent wait for the next one (the one
          // under way may reach a peer twice; a part of one never counts as a message).
          this.backlog = [...entries.slice(done), ...this.backlog];
          this.session.lost(client);
          return;
        }
      }
    } finally {
      this.sending = false;
    }
  }

  async close(): Promise<void> {
    await this.session.close();
    await this.local.close();
  }
}
