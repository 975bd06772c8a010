import { describe, expect, it } from "vitest";
import { EventBus, type RunReport } from "../engine/index.js";
import { seconds, TerminalOutput, wantsColour } from "./terminal.js";

function fakeStream(rows = 24) {
  const chunks: string[] = [];
  const stream = {
    columns: 80,
    rows,
    write: (s: string) => chunks.push(s) > 0,
  } as unknown as NodeJS.WriteStream;
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
    const terminal = new TerminalOutput(bus, out.stream, { live: false });
    drive(bus);
    terminal.finish(report);
    expect(out.text()).toContain("[build] ▶ Run make\n[build] | compiling\n[build] | error: boom\n");
    expect(out.text()).toContain("[build] ✗ job failure");
    expect(out.text()).toContain("✗ CI (.github/workflows/ci.yml): failure\n    ✗ build: failure in 2.0s\n");
  });

  it("leaves out a step's header and shows the runner's ##[error] lines as GitHub's log view does", () => {
    const bus = new EventBus();
    const out = fakeStream();
    new TerminalOutput(bus, out.stream, { live: false });
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
    const terminal = new TerminalOutput(bus, out.stream, { live: true });
    drive(bus);
    terminal.finish(report);
    const text = out.text();
    expect(text).toContain("✗ build failed at step 'Run make':\n    compiling\n    error: boom\n");
    expect(text).toMatch(/✗ build {2}failure {2}\d+\.\ds/);
    // the live block is erased and redrawn with cursor-up sequences, never left as raw log lines
    expect(text).toContain("\x1b[1A\x1b[0J");
    expect(text).not.toContain("[build] |");
  });

  it("on a terminal, keeps the live block within the screen: running and failed jobs first, a count for the rest", () => {
    const bus = new EventBus();
    const out = fakeStream(8);
    const terminal = new TerminalOutput(bus, out.stream, { live: true });
    bus.emit("run:started", { runId: "1", workflow: "CI", file: "ci.yml", title: "CI" });
    for (let i = 1; i <= 30; i++) bus.emit("job:queued", { runId: "1", jobKey: `j${i}`, name: `job ${i}` });
    for (const i of [3, 17, 29]) bus.emit("job:started", { runId: "1", jobKey: `j${i}`, name: `job ${i}` });
    bus.emit("job:completed", { runId: "1", jobKey: "j5", name: "job 5", result: "success" });
    bus.emit("job:completed", { runId: "1", jobKey: "j17", name: "job 17", result: "failure" });
    const lines = terminal.blockLines();
    expect(lines).toHaveLength(7);
    expect(lines.slice(0, 3).map((l) => l.split("  ")[0])).toEqual(["● job 3", "● job 29", "✗ job 17"]);
    expect(lines[6]).toBe("  … and 24 more jobs (23 queued, 1 success)");
    terminal.finish({ runs: [] });
    // Every redraw moves up over at most the screen's height less one line.
    const ups = [...out.text().matchAll(/\x1b\[(\d+)A/g)].map((m) => Number(m[1]));
    expect(ups.length).toBeGreaterThan(0);
    expect(Math.max(...ups)).toBeLessThanOrEqual(7);
  });

  it("colours icons and results when asked, and prefixes each line of a multi-line message", () => {
    const bus = new EventBus();
    const out = fakeStream();
    const terminal = new TerminalOutput(bus, out.stream, { live: false, colour: true });
    drive(bus);
    bus.emit("job:log", { runId: "1", jobKey: "ci/build", line: "Warning: first line\nsecond line" });
    terminal.finish(report);
    expect(out.text()).toContain("[build] \x1b[31m✗\x1b[0m job failure");
    expect(out.text()).toContain("[build] | Warning: first line\n[build] | second line\n");
    expect(out.text()).toContain("    \x1b[31m✗\x1b[0m build: \x1b[31mfailure\x1b[0m in 2.0s");
  });

  it("prefixes lines with workflow/job, as act does", () => {
    const bus = new EventBus();
    const out = fakeStream();
    new TerminalOutput(bus, out.stream, { live: false });
    bus.emit("run:started", { runId: "1", workflow: "CI", file: "ci.yml", title: "CI" });
    drive(bus);
    expect(out.text()).toContain("[CI/build] ▶ Run make\n[CI/build] | compiling\n");
  });
});

describe("seconds", () => {
  it("never reads 1m60s", () => {
    expect(seconds(4_200)).toBe("4.2s");
    expect(seconds(59_960)).toBe("1m0s");
    expect(seconds(119_600)).toBe("2m0s");
    expect(seconds(125_000)).toBe("2m5s");
    expect(seconds(3_725_000)).toBe("1h2m5s");
  });
});

describe("wantsColour", () => {
  it("follows FORCE_COLOR, then NO_COLOR, then whether it is a terminal", () => {
    expect(wantsColour({}, true)).toBe(true);
    expect(wantsColour({}, false)).toBe(false);
    expect(wantsColour({ TERM: "dumb" }, true)).toBe(false);
    expect(wantsColour({ NO_COLOR: "1" }, true)).toBe(false);
    expect(wantsColour({ FORCE_COLOR: "1" }, false)).toBe(true);
    expect(wantsColour({ FORCE_COLOR: "1", NO_COLOR: "1" }, false)).toBe(true);
    expect(wantsColour({ FORCE_COLOR: "0" }, true)).toBe(false);
  });
});
