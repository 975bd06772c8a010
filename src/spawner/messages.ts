// What the server and its spawn helper say to each other: as they are over the Node.js helper's IPC
// channel (helper.ts; Node's "advanced" serialisation: chunks travel as bytes, not as JSON), and
// as frames of bytes to and from the compiled one (spawn-helper.c; codec.ts turns one into the other).

/** How one of the child's descriptors is set up: a pipe, nothing, or a file the helper opens (read-only). */
export type StdioSpec = "pipe" | "ignore" | { path: string };

export type ToHelper =
  | {
      t: "spawn";
      id: number;
      command: string;
      args: string[];
      cwd?: string;
      env?: Record<string, string | undefined>;
      detached?: boolean;
      stdio: StdioSpec[];
    }
  | { t: "stdin"; id: number; chunk: Uint8Array }
  | { t: "stdin-end"; id: number }
  /** `group`: the child's process group (a detached child's), also after the child itself exited. */
  | { t: "kill"; id: number; signal: NodeJS.Signals | number; group?: boolean };

/** An error of Node's spawn, as much of it as callers read. */
export interface SpawnErrorInfo {
  message: string;
  code?: string;
  errno?: number;
  syscall?: string;
  path?: string;
}

export type FromHelper =
  | { t: "spawned"; id: number; pid: number }
  | { t: "error"; id: number; error: SpawnErrorInfo }
  | { t: "data"; id: number; fd: number; chunk: Uint8Array }
  | { t: "end"; id: number; fd: number }
  | { t: "exit"; id: number; code: number | null; signal: NodeJS.Signals | null }
  | { t: "close"; id: number; code: number | null; signal: NodeJS.Signals | null }
  /** The compiled helper runs (its first reply). */
  | { t: "hello"; id: 0 };
