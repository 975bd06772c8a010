import { EventEmitter } from "node:events";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { Launcher } from "./launcher.js";
import type { LaunchedProcess } from "./spawner.js";

/** A launcher's process as the server sees it: its stdin, its stdout (what the job makes it say). */
function fakeLauncher() {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const killed: string[] = [];
  const proc = Object.assign(new EventEmitter(), {
    pid: 1234,
    stdin,
    stdout,
    stderr: null,
    stdio: [stdin, stdout, null],
    kill: (signal: string) => {
      killed.push(signal);
      return true;
    },
    ref: () => undefined,
    unref: () => undefined,
  });
  return { launcher: new Launcher(proc as unknown as LaunchedProcess), stdout, killed, proc };
}

/** A reply frame: [u32 length][u8 type][u32 id][fields]. */
function frame(type: number, id: number, fields: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(9);
  head.writeUInt32LE(5 + fields.length, 0);
  head.writeUInt8(type, 4);
  head.writeUInt32LE(id, 5);
  return Buffer.concat([head, fields]);
}
const HELLO = frame(7, 0);
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
};

/** A child started by the launcher, and what became of it. */
function started(launcher: Launcher) {
  const child = launcher.spawn("bash", ["-c", "true"], { stdio: ["ignore", "pipe", "pipe"], detached: true });
  const seen: string[] = [];
  child.on("error", (e: Error) => seen.push(`error: ${e.message}`));
  child.on("close", () => seen.push("close"));
  child.stdout?.on("data", (c: Buffer) => seen.push(`data: ${c}`));
  return { child, seen };
}

const tick = () => new Promise((r) => setTimeout(r, 20));

/** Waits for `done` (a child's close comes a few turns after its error). */
async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !done(); i++) await tick();
}

describe("a job's launcher, whose every reply is the job's own", () => {
  for (const [what, bytes] of [
    ["a reply of an unknown type", frame(99, 1)],
    ["a frame too short to be a reply", Buffer.concat([u32(2), Buffer.from([1, 2])])],
    ["a frame longer than any reply", Buffer.concat([u32(0xfffffff0), Buffer.alloc(16)])],
    ["a reply cut short inside its fields", frame(1, 1, Buffer.from([1]))],
  ] as const) {
    it(`ends on ${what}, failing what it runs, and this process goes on`, async () => {
      const { launcher, stdout, killed } = fakeLauncher();
      stdout.write(HELLO);
      await launcher.ready;
      const { seen } = started(launcher);
      stdout.write(bytes);
      await until(() => seen.includes("close"));
      expect(killed).toEqual(["SIGKILL"]);
      expect(seen[0]).toMatch(/^error: the job's launcher broke its protocol/);
      expect(seen).toContain("close");
      expect(launcher.alive).toBe(false);
      // What is started after it is told so, and nothing is sent to it.
      const later = started(launcher);
      await until(() => later.seen.length > 0);
      expect(later.seen[0]).toMatch(/^error: the job's launcher broke its protocol/);
    });
  }

  it("takes each event once and in order: data past an end, a second spawn or exit are dropped", async () => {
    const { launcher, stdout } = fakeLauncher();
    stdout.write(HELLO);
    await launcher.ready;
    const { child, seen } = started(launcher);
    const pids: number[] = [];
    child.on("spawn", () => pids.push(child.pid ?? -1));
    let exits = 0;
    child.on("exit", () => exits++);
    const data = (text: string) => frame(3, 1, Buffer.concat([Buffer.from([1]), Buffer.from(text)]));
    const status = (type: number) => frame(type, 1, Buffer.alloc(8));
    stdout.write(Buffer.concat([frame(1, 1, u32(7)), frame(1, 1, u32(8)), data("one")]));
    stdout.write(Buffer.concat([frame(4, 1, Buffer.from([1])), data("two"), frame(4, 1, Buffer.from([1]))]));
    stdout.write(
      Buffer.concat([status(5), status(5), frame(4, 1, Buffer.from([2])), status(6), data("three")]),
    );
    stdout.write(Buffer.concat([frame(2, 1, Buffer.alloc(20)), frame(3, 77, Buffer.from([1, 65]))]));
    await until(() => seen.includes("close"));
    await tick();
    expect(pids).toEqual([7]);
    expect(exits).toBe(1);
    expect(seen).toEqual(["data: one", "close"]);
    expect(launcher.alive).toBe(true);
  });

  it("fails the running step when it dies, and says so before its hello", async () => {
    const { launcher, stdout, proc } = fakeLauncher();
    stdout.write(HELLO);
    await launcher.ready;
    const { seen } = started(launcher);
    proc.emit("close", null, "SIGKILL");
    await until(() => seen.includes("close"));
    expect(seen).toEqual(["error: the job's launcher exited", "close"]);
    const never = fakeLauncher();
    never.proc.emit("close", 1, null);
    await expect(never.launcher.ready).rejects.toThrow("the job's launcher exited");
  });

  it("takes no reply before its hello", async () => {
    const { launcher, stdout, killed } = fakeLauncher();
    stdout.write(frame(1, 1, u32(7)));
    await until(() => killed.length > 0);
    expect(killed).toEqual(["SIGKILL"]);
    await expect(launcher.ready).rejects.toThrow(/broke its protocol/);
  });
});
