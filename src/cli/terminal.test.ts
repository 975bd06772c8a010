import { describe, expect, it } from "vitest";
import { EventBus, type RunReport } from "../engine/index.js";
import { TerminalOutput } from "./terminal.js";

function fakeStream() {
  const chunks: string[] = [];
  const stream = { columns: 80, write: (s: string) => chunks.push(s) > 0 } as unknown as NodeJS.WriteStream;
  return { stream, text: () => chunks.join("") };
}

const report: RunReport = {
  runs: [
    {
      runId: "1",
      workflow: "CI",
      file: ".github/workflows/ci.yml",
      event: "push",
      ref: "refs/heads/main",
      sha: "abc",
      status: "completed",
      conclusion: "failure",
      jobs: [
        {
          id: "build",
          name: "build",
          matrix: null,
          result: "failure",
          outputs: {},
          startedAt: "2026-01-01T00:00:00.000Z",
          completedAt: "2026-01-01T00:00:02.000Z",
          steps: [],
        },
      ],
    },
  ],
};

function drive(bus: EventBus) {
  const base = { runId: "1", jobKey: "ci/build", name: "build" };
  bus.emit("job:queued", base);
  bus.emit("job:started", base);
  bus.emit("step:started", { ...base, name: "Run make" });
  bus.emit("job:log", { ...base, line: "compiling" });
  bus.emit("job:log", { ...base, line: "error: boom" });
  bus.emit("step:completed", { ...base, name: "Run make", outcome: "failure", conclusion: "failure" });
  bus.emit("job:completed", { ...base, result: "failure", failedStep: "Run make" });
}

describe("TerminalOutput", () => {
  it("prints plain lines prefixed by the job name when not on a terminal", () => {
    const bus = new EventBus();
    const out = fakeStream();
    const terminal = new TerminalOutput(bus, out.stream, false);
    drive(bus);
    terminal.finish(report);
    expect(out.text()).toContain("[build] ▶ Run make\n[build] | compiling\n[build] | error: boom\n");
    expect(out.text()).toContain("[build] ✗ job failure");
    expect(out.text()).toContain("✗ CI (.github/workflows/ci.yml): failure\n    ✗ build: failure in 2.0s\n");
  });

  it("leaves out a step's header and shows the runner's ##[error] lines as GitHub's log view does", () => {
    const bus = new EventBus();
    const out = fakeStream();
    new TerminalOutput(bus, out.stream, false);
    const base = { runId: "1", jobKey: "ci/build", name: "build" };
    bus.emit("job:started", base);
    bus.emit("step:started", { ...base, name: "Run make" });
    for (const line of ["##[group]Run make", "make", "shell: /bin/bash -e {0}", "##[endgroup]"])
      bus.emit("job:log", { ...base, line, header: true });
    bus.emit("job:log", { ...base, line: "##[error]Process completed with exit code 2." });
    expect(out.text()).toBe(
      "[build] started\n[build] ▶ Run make\n[build] | Error: Process completed with exit code 2.\n",
    );
  });

  it("on a terminal, shows the failing step's last lines above a redrawn line per job", () => {
    const bus = new EventBus();
    const out = fakeStream();
    const terminal = new TerminalOutput(bus, out.stream, true);
    drive(bus);
    terminal.finish(report);
    const text = out.text();
    expect(text).toContain("✗ build failed at step 'Run make':\n    compiling\n    error: boom\n");
    expect(text).toMatch(/✗ build {2}failure {2}\d+\.\ds/);
    // the live block is erased and redrawn with cursor-up sequences, never left as raw log lines
    expect(text).toContain("\x1b[1A\x1b[0J");
    expect(text).not.toContain("[build] |");
  });
});
