// The Node.js spawn helper, which serves where the build found no C compiler for the compiled one
// (spawn-helper.c, which does the same in a process of ≈ 1 MiB and costs a sixth of the CPU per
// spawn): a small Node.js process the server starts once (spawner.ts), which starts the
// server's child processes for it (git, the sandbox's bubblewrap, the steps) and relays their
// output, exits and errors over its IPC channel. A process start copies the page tables of the
// process that starts it, and Node.js blocks its thread until the child has exec'd: from a server
// of 100–250 MiB that cost 7–17 ms of the server's CPU per process on this machine, from this
// helper a fraction of it, and never on the server's event loop. It ends with the server (its
// channel closing), and what it started with `--die-with-parent` ends with it.
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import type { Readable, Writable } from "node:stream";
import type { FromHelper, SpawnErrorInfo, ToHelper } from "./messages.js";

const children = new Map<number, ChildProcess>();

function send(message: FromHelper): void {
  process.send?.(message);
}

function errorInfo(err: unknown): SpawnErrorInfo {
  const e = err as NodeJS.ErrnoException;
  return { message: e.message, code: e.code, errno: e.errno, syscall: e.syscall, path: e.path };
}

function start(m: Extract<ToHelper, { t: "spawn" }>): void {
  const opened: number[] = [];
  let child: ChildProcess;
  try {
    const stdio = m.stdio.map((s) => {
      if (typeof s !== "object") return s;
      const fd = openSync(s.path, "r");
      opened.push(fd);
      return fd;
    });
    child = spawn(m.command, m.args, { cwd: m.cwd, env: m.env, detached: m.detached, stdio });
  } catch (err) {
    send({ t: "error", id: m.id, error: errorInfo(err) });
    send({ t: "close", id: m.id, code: null, signal: null });
    return;
  } finally {
    // The child has its own copies of the descriptors now.
    for (const fd of opened) closeSync(fd);
  }
  children.set(m.id, child);
  child.on("spawn", () => send({ t: "spawned", id: m.id, pid: child.pid ?? 0 }));
  child.on("error", (err) => send({ t: "error", id: m.id, error: errorInfo(err) }));
  m.stdio.forEach((s, fd) => {
    if (fd === 0 || s !== "pipe") return;
    const stream = child.stdio[fd] as Readable | null;
    stream?.on("data", (chunk: Buffer) => send({ t: "data", id: m.id, fd, chunk }));
    stream?.on("end", () => send({ t: "end", id: m.id, fd }));
    stream?.on("error", () => undefined);
  });
  child.stdin?.on("error", () => undefined); // a child that exits before reading its input
  child.on("exit", (code, signal) => send({ t: "exit", id: m.id, code, signal }));
  child.on("close", (code, signal) => {
    children.delete(m.id);
    send({ t: "close", id: m.id, code, signal });
  });
}

process.on("message", (m: ToHelper) => {
  switch (m.t) {
    case "spawn":
      start(m);
      break;
    case "stdin":
      (children.get(m.id)?.stdin as Writable | null | undefined)?.write(m.chunk);
      break;
    case "stdin-end":
      children.get(m.id)?.stdin?.end();
      break;
    case "kill":
      try {
        children.get(m.id)?.kill(m.signal);
      } catch {
        // gone already
      }
      break;
  }
});
// The server is gone (it exited, or was killed): so is its helper.
process.on("disconnect", () => process.exit(0));
