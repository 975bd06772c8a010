// The Node.js spawn helper, which serves where the build found no C compiler for the compiled one
// (spawn-helper.c, which does the same in a process of ≈ 1 MiB and costs a sixth of the CPU per
// spawn): a small Node.js process the server starts once (spawner.ts), which starts the
// server's child processes for it (git, the sandbox's bubblewrap, the steps) and relays their
// output, exits and errors over its IPC channel. A process start copies the page tables of the
// process that starts it, and Node.js blocks its thread until the child has exec'd: from a server
// of 100–250 MiB that cost 7–17 ms of the server's CPU per process on this machine, from this
// helper a fraction of it, and never on the server's event loop. It ends with the server (its
// channel closing), and what it started with `--die-with-parent` ends with it.
import type { ToHelper } from "./messages.js";
import { Relay } from "./relay.js";

const relay = new Relay((message) => process.send?.(message));
process.on("message", (m: ToHelper) => relay.handle(m));
// The server is gone (it exited, or was killed): so is its helper.
process.on("disconnect", () => process.exit(0));
