// The compiled spawn helper's protocol (spawn-helper.c has the layout): requests as frames of bytes,
// replies read back into the messages helper.ts sends, so that one SpawnHelper serves both.
import { constants } from "node:os";
import { getSystemErrorName } from "node:util";
import type { FromHelper, SpawnErrorInfo, ToHelper } from "./messages.js";

const REQUEST = { spawn: 1, stdin: 2, "stdin-end": 3, kill: 4 } as const;
const REPLY = { spawned: 1, error: 2, data: 3, end: 4, exit: 5, close: 6, hello: 7 } as const;

const signalNumbers = constants.signals as Record<string, number>;
const signalNames = new Map(Object.entries(signalNumbers).map(([name, number]) => [number, name]));

/** A signal's number, from its name or number as Node's kill takes them; undefined when it is not one. */
export function signalNumber(signal: NodeJS.Signals | number): number | undefined {
  if (typeof signal === "number") return Number.isInteger(signal) && signal >= 0 ? signal : undefined;
  return Object.hasOwn(signalNumbers, signal) ? signalNumbers[signal] : undefined;
}

/** A signal's name, as Node.js gives it in `exit` and `close`. */
function signalName(signal: number): NodeJS.Signals | null {
  return signal === 0 ? null : ((signalNames.get(signal) ?? `SIG${signal}`) as NodeJS.Signals);
}

/** The frame of a request to the compiled helper: its size counted first, then written in one buffer. */
export function encodeRequest(m: ToHelper): Buffer {
  let env: string[] = [];
  let size = 4 + 1 + 4;
  switch (m.t) {
    case "spawn": {
      // As Node.js passes an environment: each variable that has a value, in the object's order.
      env = [];
      for (const [name, value] of Object.entries(m.env ?? process.env)) {
        if (value !== undefined) env.push(`${name}=${value}`);
      }
      size += 1 + 4 + Buffer.byteLength(m.command) + 4 + Buffer.byteLength(m.cwd ?? "") + 4 + 4 + 4;
      for (const arg of m.args) size += 4 + Buffer.byteLength(arg);
      for (const e of env) size += 4 + Buffer.byteLength(e);
      for (const s of m.stdio) size += typeof s === "object" ? 1 + 4 + Buffer.byteLength(s.path) : 1;
      break;
    }
    case "stdin":
      size += m.chunk.byteLength;
      break;
    case "stdin-end":
      break;
    case "kill":
      size += 5;
      break;
  }
  const frame = Buffer.allocUnsafe(size);
  let at = frame.writeUInt32LE(size - 4, 0);
  at = frame.writeUInt8(REQUEST[m.t], at);
  at = frame.writeUInt32LE(m.id, at);
  const str = (s: string) => {
    const n = frame.write(s, at + 4, "utf8");
    frame.writeUInt32LE(n, at);
    at += 4 + n;
  };
  switch (m.t) {
    case "spawn":
      at = frame.writeUInt8(m.detached ? 1 : 0, at);
      str(m.command);
      str(m.cwd ?? "");
      at = frame.writeUInt32LE(m.args.length, at);
      for (const arg of m.args) str(arg);
      at = frame.writeUInt32LE(env.length, at);
      for (const e of env) str(e);
      at = frame.writeUInt32LE(m.stdio.length, at);
      for (const s of m.stdio) {
        if (typeof s === "object") {
          at = frame.writeUInt8(2, at);
          str(s.path);
        } else {
          at = frame.writeUInt8(s === "pipe" ? 0 : 1, at);
        }
      }
      break;
    case "stdin":
      frame.set(m.chunk, at);
      break;
    case "stdin-end":
      break;
    case "kill":
      at = frame.writeInt32LE(signalNumber(m.signal) ?? 0, at);
      frame.writeUInt8(m.group ? 1 : 0, at);
      break;
  }
  return frame;
}

/** Node's error for a process that did not start, from the helper's errno and where it failed. */
function spawnError(
  errno: number,
  opened: string | undefined,
  description: string,
  command: string,
): SpawnErrorInfo {
  let code: string;
  try {
    code = getSystemErrorName(-errno);
  } catch {
    code = `E${errno}`;
  }
  if (opened !== undefined) {
    // As Node's fs gives it (helper.ts opens the descriptor with openSync).
    return {
      message: `${code}: ${description}, open '${opened}'`,
      code,
      errno: -errno,
      syscall: "open",
      path: opened,
    };
  }
  return {
    message: `spawn ${command} ${code}`,
    code,
    errno: -errno,
    syscall: `spawn ${command}`,
    path: command,
  };
}

/**
 * Reads the compiled helper's replies out of its stdout, chunk by chunk, into messages.
 * `command(id)` names a child's command for its error (Node's message says it).
 */
export class ReplyDecoder {
  private pending: Buffer | undefined;

  /**
   * `maxFrame`: the longest reply taken (a job's launcher, whose frames are the job's own bytes:
   * one announcing more is refused at once rather than waited for).
   */
  constructor(
    private readonly command: (id: number) => string,
    private readonly maxFrame = Number.POSITIVE_INFINITY,
  ) {}

  push(chunk: Buffer, deliver: (m: FromHelper) => void): void {
    let data = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = undefined;
    let at = 0;
    while (data.length - at >= 4) {
      const length = data.readUInt32LE(at);
      if (length > this.maxFrame || length < 5) throw new Error(`a reply frame of ${length} bytes`);
      if (data.length - at - 4 < length) break;
      const frame = data.subarray(at + 4, at + 4 + length);
      at += 4 + length;
      deliver(this.decode(frame));
    }
    if (at < data.length) {
      data = data.subarray(at);
      if (data.length >= 4 && data.readUInt32LE(0) > this.maxFrame) throw new Error("a reply frame too long");
      // Kept apart from the socket's chunk, which a partial frame would otherwise hold whole.
      this.pending = Buffer.from(data);
    }
  }

  private decode(frame: Buffer): FromHelper {
    const type = frame[0];
    const id = frame.readUInt32LE(1);
    switch (type) {
      case REPLY.spawned:
        return { t: "spawned", id, pid: frame.readUInt32LE(5) };
      case REPLY.error: {
        const errno = frame.readInt32LE(5);
        const what = frame[9];
        let at = 10;
        const str = () => {
          const n = frame.readUInt32LE(at);
          const s = frame.toString("utf8", at + 4, at + 4 + n);
          at += 4 + n;
          return s;
        };
        const path = str();
        const description = str();
        return {
          t: "error",
          id,
          error: spawnError(errno, what === 1 ? path : undefined, description, this.command(id)),
        };
      }
      case REPLY.data:
        return { t: "data", id, fd: frame[5] ?? 0, chunk: frame.subarray(6) };
      case REPLY.end:
        return { t: "end", id, fd: frame[5] ?? 0 };
      case REPLY.exit:
      case REPLY.close: {
        const code = frame.readInt32LE(5);
        const signal = signalName(frame.readInt32LE(9));
        return { t: type === REPLY.exit ? "exit" : "close", id, code: signal ? null : code, signal };
      }
      case REPLY.hello:
        return { t: "hello", id: 0 };
      default:
        throw new Error(`the spawn helper sent a reply of unknown type ${type}`);
    }
  }
}
