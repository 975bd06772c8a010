// Starting processes as the spawn helper's requests say and relaying what they do as its replies
// (messages.ts): the Node.js helper's work (helper.ts), and this process's own when a compiled helper
// could not run (spawner.ts takes the requests it had queued for it).
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import type { Readable, Writable } from "node:stream";
import type { FromHelper, SpawnErrorInfo, ToHelper } from "./messages.js";

function errorInfo(err: unknown): SpawnErrorInfo {
  const e = err as NodeJS.ErrnoException;
  return { message: e.message, code: e.code, errno: e.errno, syscall: e.syscall, path: e.path };
}

/** Starts children by requests and tells `send` what becomes of them. */
export class Relay {
  private readonly children = new Map<number, ChildProcess>();
  /** The children that lead a process group of their own. */
  private readonly detached = new Set<number>();

  constructor(private readonly send: (message: FromHelper) => void) {}

  handle(m: ToHelper): void {
    switch (m.t) {
      case "spawn":
        this.start(m);
        break;
      case "stdin":
        (this.children.get(m.id)?.stdin as Writable | null | undefined)?.write(m.chunk);
        break;
      case "stdin-end":
        this.children.get(m.id)?.stdin?.end();
        break;
      case "kill":
        try {
          const child = this.children.get(m.id);
          if (m.group && child?.pid && this.detached.has(m.id)) process.kill(-child.pid, m.signal);
          else child?.kill(m.signal);
        } catch {
          // gone already
        }
        break;
    }
  }

  /** A child (and its pipes) keeps this process's event loop alive, or not, as its caller says. */
  reference(id: number, on: boolean): void {
    const child = this.children.get(id);
    if (!child) return;
    for (const handle of [child, ...child.stdio]) {
      const h = handle as { ref?: () => void; unref?: () => void } | null;
      if (on) h?.ref?.();
      else h?.unref?.();
    }
  }

  private start(m: Extract<ToHelper, { t: "spawn" }>): void {
    const send = this.send;
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
    this.children.set(m.id, child);
    if (m.detached) this.detached.add(m.id);
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
      this.children.delete(m.id);
      this.detached.delete(m.id);
      send({ t: "close", id: m.id, code, signal });
    });
  }
}
