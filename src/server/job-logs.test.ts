import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { extractZip, zipFiles } from "../artifacts/index.js";
import { FileBlobStore, readBlobText } from "../blobs/index.js";
import { JobLogs } from "./job-logs.js";

function temp(): string {
  return mkdtempSync(join(tmpdir(), "gantry-job-logs-"));
}
const at = new Date("2026-01-01T00:00:00Z");
/** Several servers on one database, the write fence open. */
const open = { check: async () => {} };

describe("JobLogs with a blob store", () => {
  it("writes a running job's log on disk and sends it to the store when it closes", async () => {
    const root = join(temp(), "logs");
    const blobs = new FileBlobStore(temp());
    const logs = new JobLogs(root, blobs);
    const path = logs.pathOf(7, 1, ".github/workflows/ci.yml/build", ".github/workflows/ci.yml");
    logs.append(path, "one", at);
    expect(logs.readNow(path)).toBe("2026-01-01T00:00:00.000Z one\n");
    logs.close(path);
    expect(await logs.text(path)).toBe("2026-01-01T00:00:00.000Z one\n");
    await logs.flush();
    expect(existsSync(path)).toBe(false);
    expect(readdirSync(join(root, "7", "1"))).toEqual([]);
    expect(await readBlobText(blobs, "logs/7/1/build.log")).toBe("2026-01-01T00:00:00.000Z one\n");
    expect(logs.readNow(path)).toBeUndefined();
    expect(await logs.text(path)).toBe("2026-01-01T00:00:00.000Z one\n");
    expect(await logs.zipSource("1_build.txt", path)).toMatchObject({ name: "1_build.txt", size: 29 });

    // Written again after it was sent ("the runner was lost"): the store's copy grows.
    logs.append(path, "two", at);
    logs.close(path);
    await logs.flush();
    expect(await logs.text(path)).toBe("2026-01-01T00:00:00.000Z one\n2026-01-01T00:00:00.000Z two\n");

    await logs.removeRun(7);
    expect(await logs.text(path)).toBeUndefined();
    expect(await blobs.list("logs/")).toEqual([]);
  });

  it("sends at start what a stopped server left on disk, in the order it was written", async () => {
    const root = join(temp(), "logs");
    const blobs = new FileBlobStore(temp());
    mkdirSync(join(root, "3", "2"), { recursive: true });
    writeFileSync(join(root, "3", "2", "test.log.0000000000001-0.up"), "first\n");
    writeFileSync(join(root, "3", "2", "test.log"), "second\n");
    const logs = new JobLogs(root, blobs);
    logs.uploadLeftovers();
    await logs.flush();
    expect(await readBlobText(blobs, "logs/3/2/test.log")).toBe("first\nsecond\n");
    expect(readdirSync(join(root, "3", "2"))).toEqual([]);
  });

  it("sends at start the files of one log closed in the same millisecond in the order they were written", async () => {
    const root = join(temp(), "logs");
    const blobs = new FileBlobStore(temp());
    // The store is down while the job is written and closed eleven times (the runner lost, again),
    // all in one millisecond: every closed file waits on disk for the next start.
    const down = Object.assign(Object.create(blobs), {
      put: async () => {
        throw new Error("the store is down");
      },
    }) as FileBlobStore;
    const now = vi.spyOn(Date, "now").mockReturnValue(at.getTime());
    try {
      const logs = new JobLogs(root, down);
      const path = logs.pathOf(4, 1, "ci.yml/b", "ci.yml");
      for (let i = 0; i <= 10; i++) {
        logs.append(path, `line ${i}`, at);
        logs.close(path);
      }
      await logs.flush();
    } finally {
      now.mockRestore();
    }
    const again = new JobLogs(root, blobs);
    again.uploadLeftovers();
    await again.flush();
    const lines = Array.from({ length: 11 }, (_, i) => `2026-01-01T00:00:00.000Z line ${i}\n`);
    expect(await readBlobText(blobs, "logs/4/1/b.log")).toBe(lines.join(""));
  });

  it("reads a log that closes (and goes to the store) while its reader starts", async () => {
    const root = join(temp(), "logs");
    const blobs = new FileBlobStore(temp());
    const logs = new JobLogs(root, blobs);
    const path = logs.pathOf(5, 1, "ci.yml/b", "ci.yml");
    logs.append(path, "one", at);
    const reading = await logs.read(path);
    // The job ends before the reader's stream has opened the file: the log is moved aside.
    logs.close(path);
    const chunks: Buffer[] = [];
    for await (const c of reading ?? []) chunks.push(Buffer.from(c as Uint8Array));
    expect(Buffer.concat(chunks).toString("utf8")).toBe("2026-01-01T00:00:00.000Z one\n");
    await logs.flush();
    expect(await logs.text(path)).toBe("2026-01-01T00:00:00.000Z one\n");
  });

  it("zips a log that closes (and goes to the store) between its look and the zip's read", async () => {
    const root = join(temp(), "logs");
    const blobs = new FileBlobStore(temp());
    const logs = new JobLogs(root, blobs);
    const path = logs.pathOf(5, 1, "ci.yml/b", "ci.yml");
    logs.append(path, "one", at);
    const source = await logs.zipSource("1_b.txt", path);
    // The job ends before the zip has opened the file: the log is moved aside and sent.
    logs.close(path);
    const out = temp();
    const chunks: Uint8Array[] = [];
    for await (const c of zipFiles(source ? [source] : [])) chunks.push(c);
    writeFileSync(join(out, "logs.zip"), Buffer.concat(chunks));
    expect(await extractZip(join(out, "logs.zip"), join(out, "x"), 1000)).toEqual(["1_b.txt"]);
    expect(readFileSync(join(out, "x", "1_b.txt"), "utf8")).toBe("2026-01-01T00:00:00.000Z one\n");
  });

  it("keeps a job's log where it was without a store, as always", async () => {
    const root = join(temp(), "logs");
    const logs = new JobLogs(root);
    const path = logs.pathOf(1, 1, "../../x/../evil", "ci.yml");
    expect(path.startsWith(join(root, "1", "1"))).toBe(true);
    logs.append(path, "kept", at);
    logs.close(path);
    logs.uploadLeftovers();
    await logs.flush();
    expect(existsSync(path)).toBe(true);
    expect(await logs.text(path)).toBe("2026-01-01T00:00:00.000Z kept\n");
  });

  it("sends an open log as it grows (live): a server adopting the job finds every line, in order", async () => {
    const blobs = new FileBlobStore(temp());
    // The server that dies: its job's log is sent in parts while it runs.
    const dead = new JobLogs(join(temp(), "logs"), blobs, () => {}, open);
    const path = dead.pathOf(5, 1, ".github/workflows/ci.yml/b", ".github/workflows/ci.yml");
    dead.append(path, "before-kill", at);
    dead.append(path, "more", at);
    const peer = new JobLogs(join(temp(), "logs"), blobs, () => {}, open);
    const peerPath = peer.pathOf(5, 1, ".github/workflows/ci.yml/b", ".github/workflows/ci.yml");
    // A peer reads the running log as far as it was sent.
    let seen = "";
    for (let i = 0; i < 100 && !seen.includes("more"); i++) {
      seen = (await peer.text(peerPath)) ?? "";
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(seen).toBe("2026-01-01T00:00:00.000Z before-kill\n2026-01-01T00:00:00.000Z more\n");
    // The peer adopts the job (the dead server never closes its log) and writes on.
    await peer.takeOver(peerPath);
    expect(await blobs.list("logs/5/1/b.log.live/")).toEqual([]);
    peer.append(peerPath, "lost; again", at);
    peer.append(peerPath, "second-try", at);
    peer.close(peerPath);
    await peer.flush();
    expect(await readBlobText(blobs, "logs/5/1/b.log")).toBe(
      ["before-kill", "more", "lost; again", "second-try"]
        .map((l) => `2026-01-01T00:00:00.000Z ${l}\n`)
        .join(""),
    );
    // The peer's own parts went once its log was whole in the store.
    expect((await blobs.list("logs/")).map((b) => b.key)).toEqual(["logs/5/1/b.log"]);
  });

  it("keeps what a dead server sent of a runner machine's earlier attempts, and drops the lease the adopter replays", async () => {
    const blobs = new FileBlobStore(temp());
    const dead = new JobLogs(join(temp(), "logs"), blobs, () => {}, open);
    const path = dead.pathOf(6, 1, ".github/workflows/ci.yml/w", ".github/workflows/ci.yml");
    const lines = (...l: string[]) => l.map((x) => `2026-01-01T00:00:00.000Z ${x}\n`).join("");
    dead.append(path, "Waiting for a runner", at);
    dead.markLease(path, "L1");
    dead.append(path, "Runner r1 picked up the job", at);
    dead.append(path, "first try", at);
    dead.append(path, "Warning: the job's runner gave it up; the job is queued again", at);
    dead.markLease(path, "L2");
    dead.append(path, "Runner r2 picked up the job", at);
    dead.append(path, "wait on arm-1", at);
    const peer = new JobLogs(join(temp(), "logs"), blobs, () => {}, open);
    const peerPath = peer.pathOf(6, 1, ".github/workflows/ci.yml/w", ".github/workflows/ci.yml");
    for (let i = 0; i < 100 && !((await peer.text(peerPath)) ?? "").includes("arm-1"); i++)
      await new Promise((r) => setTimeout(r, 20));
    // The adopter replays L2's reports from the first (the runner holds the job still): each line once.
    await peer.takeOver(peerPath, { leaseId: "L2" });
    peer.markLease(peerPath, "L2");
    peer.append(peerPath, "Runner r2 picked up the job", at);
    peer.append(peerPath, "wait on arm-1", at);
    peer.append(peerPath, "done", at);
    peer.close(peerPath);
    await peer.flush();
    expect(await readBlobText(blobs, "logs/6/1/w.log")).toBe(
      lines(
        "Waiting for a runner",
        "Runner r1 picked up the job",
        "first try",
        "Warning: the job's runner gave it up; the job is queued again",
        "Runner r2 picked up the job",
        "wait on arm-1",
        "done",
      ),
    );
    expect((await blobs.list("logs/")).map((b) => b.key)).toEqual(["logs/6/1/w.log"]);
  });

  it("sends at start a dead server's unsent lines as parts of the lease each belongs to", async () => {
    const root = join(temp(), "logs");
    const blobs = new FileBlobStore(temp());
    let dying = false;
    const fence = {
      check: async () => {
        if (dying) throw new Error("dying");
      },
    };
    const first = new JobLogs(root, blobs, () => {}, fence);
    const path = first.pathOf(9, 1, "ci.yml/b", "ci.yml");
    first.markLease(path, "L1");
    first.append(path, "sent", at);
    for (let i = 0; i < 100 && !existsSync(`${path}.sent`); i++) await new Promise((r) => setTimeout(r, 20));
    // Written after the last part was sent (the server dies before it sends them).
    dying = true;
    first.append(path, "unsent of L1", at);
    first.markLease(path, "L2");
    first.append(path, "unsent of L2", at);
    const again = new JobLogs(root, blobs, () => {}, open);
    again.uploadLeftovers();
    await again.flush();
    await again.takeOver(path, { leaseId: "L2" });
    expect(await readBlobText(blobs, "logs/9/1/b.log")).toBe(
      "2026-01-01T00:00:00.000Z sent\n2026-01-01T00:00:00.000Z unsent of L1\n",
    );
  });

  it("sends at start the lines a server that died had not sent of a log it sent as it grew", async () => {
    const root = join(temp(), "logs");
    const blobs = new FileBlobStore(temp());
    const first = new JobLogs(root, blobs, () => {}, open);
    const path = first.pathOf(6, 1, "ci.yml/b", "ci.yml");
    first.append(path, "sent", at);
    for (let i = 0; i < 100 && !existsSync(`${path}.sent`); i++) await new Promise((r) => setTimeout(r, 20));
    // Written to the file after the last part (as if the server died before sending it).
    writeFileSync(path, "2026-01-01T00:00:00.000Z unsent\n", { flag: "a" });
    const again = new JobLogs(root, blobs, () => {}, open);
    again.uploadLeftovers();
    await again.flush();
    expect(readdirSync(join(root, "6", "1"))).toEqual([]);
    await again.takeOver(path);
    expect(await readBlobText(blobs, "logs/6/1/b.log")).toBe(
      "2026-01-01T00:00:00.000Z sent\n2026-01-01T00:00:00.000Z unsent\n",
    );
  });

  it("writes nothing of a log to the store once the write fence is closed (the server was judged dead)", async () => {
    const blobs = new FileBlobStore(temp());
    const errors: string[] = [];
    let fenced = false;
    const logs = new JobLogs(join(temp(), "logs"), blobs, (m) => errors.push(m), {
      check: async () => {
        if (fenced) throw new Error("this server writes nothing now");
      },
    });
    const path = logs.pathOf(8, 1, "ci.yml/b", "ci.yml");
    logs.append(path, "sent", at);
    for (let i = 0; i < 100 && (await blobs.list("logs/")).length === 0; i++)
      await new Promise((r) => setTimeout(r, 20));
    fenced = true;
    logs.append(path, "after the judgement", at);
    logs.close(path);
    await logs.flush();
    const stored = await Promise.all((await blobs.list("logs/")).map((b) => readBlobText(blobs, b.key)));
    expect(stored).toEqual(["2026-01-01T00:00:00.000Z sent\n"]);
    expect(errors.join("\n")).toContain("writes nothing now");
  });
});
