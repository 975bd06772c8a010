import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postgresAvailable, startPostgres, type TestPostgres } from "../../test/postgres.js";
import { PgLeadership, PgLocks } from "./leadership.js";
import { type LiveEvent, LiveHub } from "./live-hub.js";
import { PAYLOAD_LIMIT, PgSignals, packSignals, SignalAssembler } from "./pg-signals.js";

const quiet = () => {};

async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((r) => setTimeout(r, 20));
}

describe("packing signals into NOTIFY payloads", () => {
  it("packs short messages together and splits a long one, never past the limit, back as it was", () => {
    let id = 0;
    const long = `${'é€😀\u0001"\\x'.repeat(4000)}end`;
    const entries: [string, string][] = [
      ["a", "1"],
      ["b", "2"],
      ["live", long],
      ["c", "3"],
    ];
    const packed = packSignals("me", entries, () => ++id);
    for (const { payload } of packed) expect(Buffer.byteLength(payload)).toBeLessThanOrEqual(PAYLOAD_LIMIT);
    expect(packed.length).toBeGreaterThan(5);
    expect(packed.reduce((n, p) => n + p.ends, 0)).toBe(entries.length);
    const other = new SignalAssembler("peer");
    expect(packed.flatMap(({ payload }) => other.take(payload))).toEqual(entries);
    // Its own payloads are not its to hear again.
    expect(packed.flatMap(({ payload }) => new SignalAssembler("me").take(payload))).toEqual([]);
  });

  it("drops a split message with a part missing rather than deliver it garbled", () => {
    let id = 0;
    const packed = packSignals("me", [["t", "x".repeat(30_000)]], () => ++id);
    const other = new SignalAssembler("peer");
    const got = packed.filter((_, i) => i !== 1).flatMap(({ payload }) => other.take(payload));
    expect(got).toEqual([]);
    expect(other.take("not json")).toEqual([]);
  });
});

describe.runIf(postgresAvailable("signals and leadership on PostgreSQL"))("on PostgreSQL", () => {
  let cluster: TestPostgres;
  let url: string;
  beforeAll(async () => {
    cluster = await startPostgres();
    url = await cluster.createDatabase();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it("a signal reaches the listeners of every server, its own once; a long one whole", async () => {
    const a = new PgSignals(url, quiet);
    const b = new PgSignals(url, quiet);
    await Promise.all([a.start(), b.start()]);
    const heardA: string[] = [];
    const heardB: string[] = [];
    a.subscribe("job:1", (m) => heardA.push(m));
    b.subscribe("job:1", (m) => heardB.push(m));
    b.subscribe("job:2", (m) => heardB.push(`2:${m.length}`));
    const long = "y".repeat(50_000);
    a.publish("job:1", "claimed");
    a.publish("job:2", long);
    a.publish("job:1", "reported");
    await until(() => heardB.length === 3);
    expect(heardB).toEqual(["claimed", "2:50000", "reported"]);
    expect(heardA).toEqual(["claimed", "reported"]);
    await a.close();
    await b.close();
  });

  it("a live event published on one server reaches every server's SSE listeners in order, once each; hooks hear only their own", async () => {
    const sa = new PgSignals(url, quiet);
    const sb = new PgSignals(url, quiet);
    await Promise.all([sa.start(), sb.start()]);
    const a = new LiveHub(sa);
    const b = new LiveHub(sb);
    const onA: LiveEvent[] = [];
    const onB: LiveEvent[] = [];
    const ownB: LiveEvent[] = [];
    a.subscribe((e) => onA.push(e));
    b.subscribe((e) => onB.push(e));
    b.subscribe((e) => ownB.push(e), { ownOnly: true });
    const events: LiveEvent[] = [{ type: "run:started", runId: 7 }];
    for (let i = 0; i < 300; i++) events.push({ type: "job:log", runId: 7, jobKey: "j", line: `line ${i}` });
    // A log line far over NOTIFY's limit arrives whole.
    events.push({ type: "job:log", runId: 7, jobKey: "j", line: "z".repeat(20_000) });
    events.push({ type: "run:completed", runId: 7, conclusion: "success" });
    for (const e of events) a.publish(e);
    await until(() => onB.length === events.length);
    expect(onB).toEqual(events);
    expect(onA).toEqual(events);
    expect(ownB).toEqual([]);
    // Nothing more arrives later (no doubling).
    await new Promise((r) => setTimeout(r, 300));
    expect(onA.length).toBe(events.length);
    expect(onB.length).toBe(events.length);
    a.close();
    b.close();
    await sa.close();
    await sb.close();
  });

  it("listens again after its connection is cut", async () => {
    const a = new PgSignals(url, quiet);
    const b = new PgSignals(url, quiet);
    await Promise.all([a.start(), b.start()]);
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(
      "select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'gantry signals' and datname = current_database()",
    );
    await admin.end();
    const heard: string[] = [];
    b.subscribe("offers", (m) => heard.push(m));
    // Hints are sent again until heard: both ends reconnect in the background.
    await until(async () => {
      a.publish("offers", "again");
      await new Promise((r) => setTimeout(r, 100));
      return heard.length > 0;
    });
    expect(heard[0]).toBe("again");
    await a.close();
    await b.close();
  });

  it("a named lock is held by one caller at a time, across servers and within one", async () => {
    const a = new PgLocks(url, quiet);
    const b = new PgLocks(url, quiet);
    await Promise.all([a.start(), b.start()]);
    let inside = 0;
    let most = 0;
    const order: string[] = [];
    const work = (who: string) => async () => {
      inside += 1;
      most = Math.max(most, inside);
      order.push(`${who}+`);
      await new Promise((r) => setTimeout(r, 30));
      order.push(`${who}-`);
      inside -= 1;
      return who;
    };
    const results = await Promise.all(
      ["a1", "b1", "a2", "b2", "a3"].map((who) =>
        (who.startsWith("a") ? a : b).exclusive("triggers:1", work(who)),
      ),
    );
    expect(results).toEqual(["a1", "b1", "a2", "b2", "a3"]);
    expect(most).toBe(1);
    // Another name is not held up by it.
    let other = false;
    await a.exclusive("triggers:1", async () => {
      await b.exclusive("triggers:2", async () => {
        other = true;
      });
    });
    expect(other).toBe(true);
    // A failing holder lets the lock go.
    await expect(a.exclusive("triggers:1", async () => Promise.reject(new Error("boom")))).rejects.toThrow(
      "boom",
    );
    expect(await b.exclusive("triggers:1", async () => "free")).toBe("free");
    await a.close();
    await b.close();
  });

  it("one server leads at a time; when the leader's session ends another takes over", async () => {
    const db = await cluster.createDatabase();
    const a = new PgLeadership(db, quiet, 100);
    const b = new PgLeadership(db, quiet, 100);
    await a.start();
    await b.start();
    await until(() => a.leading || b.leading);
    await new Promise((r) => setTimeout(r, 300));
    expect([a.leading, b.leading].filter(Boolean)).toHaveLength(1);
    const [leader, other] = a.leading ? [a, b] : [b, a];
    const leaderChanges: boolean[] = [];
    leader.onChange((l) => leaderChanges.push(l));
    // The leader's session killed, as when its process dies: the lock goes with it. The killed
    // one reconnects at once here (a dead process would not), so either may take the lock next.
    const admin = new pg.Client({ connectionString: db });
    await admin.connect();
    const { rows } = await admin.query<{ pid: number }>(
      "select pid from pg_locks where locktype = 'advisory' and granted and database = (select oid from pg_database where datname = current_database())",
    );
    expect(rows).toHaveLength(1);
    await admin.query("select pg_terminate_backend($1)", [rows[0].pid]);
    await admin.end();
    // The lock went: the other took it, or the killed one took it again on a new session.
    await until(() => other.leading || leaderChanges.join(",") === "false,true");
    await new Promise((r) => setTimeout(r, 500));
    expect([a.leading, b.leading].filter(Boolean)).toHaveLength(1);
    // A leader that stops hands over to the other.
    const [now, next] = a.leading ? [a, b] : [b, a];
    await now.close();
    await until(() => next.leading);
    await next.close();
  });
});
