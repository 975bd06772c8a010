import { describe, expect, it } from "vitest";
import { EventBus, type GantryEvents } from "../engine/index.js";
import { Masker } from "./masker.js";
import { StepOutput } from "./step-output.js";

/** A StepOutput whose log lines, annotations and summaries are collected. */
function collect(secrets: string[], debug = false) {
  const bus = new EventBus();
  const masker = new Masker();
  for (const s of secrets) masker.add(s);
  const log: string[] = [];
  const annotations: GantryEvents["job:annotation"][] = [];
  const summaries: string[] = [];
  bus.on("job:log", (e) => log.push(e.line));
  bus.on("job:annotation", (e) => annotations.push(e));
  bus.on("step:summary", (e) => summaries.push(e.markdown));
  return { out: new StepOutput(bus, "1", "job", masker, debug), log, annotations, summaries };
}

const SECRET = 'p@ss"w0rd\\/&<x> é+%-Zq7';
const B64 = Buffer.from(SECRET).toString("base64");
const URI = encodeURIComponent(SECRET);
const JSON_FORM = JSON.stringify(SECRET).slice(1, -1);

describe("StepOutput masks a secret's forms", () => {
  it("in plain lines and summaries", () => {
    const { out, log, summaries } = collect([SECRET]);
    out.line(`b64 ${B64} json {"t":"${JSON_FORM}"} uri ?t=${URI}`);
    out.summary(`| ${B64} | ${URI} |`);
    expect(log).toEqual(['b64 *** json {"t":"***"} uri ?t=***']);
    expect(summaries).toEqual(["| *** | *** |"]);
  });

  it("in annotations, as the command was written (a URI form's %25 unescaped to %) and as it reads", () => {
    const { out, log, annotations } = collect([SECRET, "a,b,c-secret", "line one\nline two"]);
    out.line(`::warning title=${B64},file=${URI}.ts,line=3::uri ${URI} json ${JSON_FORM}`);
    // Secrets that only read whole once unescaped: %2C in a property, %0A in the data.
    out.line("::error title=a%2Cb%2Cc-secret::line one%0Aline two, then more");
    expect(annotations).toHaveLength(2);
    // (As written, the secret's two lines are masked apart, either side of the escaped newline.)
    expect(annotations[1]).toMatchObject({ title: "***", message: "***\n***, then more" });
    expect(annotations[0]).toMatchObject({ level: "warning", title: "***", file: "***.ts", line: 3 });
    expect(annotations[0].message).toBe("uri *** json ***");
    expect(log[0]).toBe("Warning: *** - ***.ts:3: uri *** json ***");
    expect(JSON.stringify([annotations, log])).not.toContain(URI.replaceAll("%25", "%"));
  });

  it("in group names and debug messages", () => {
    const { out, log } = collect([SECRET], true);
    out.line(`::group::fetch ${URI}`);
    out.line(`::debug::token ${B64}`);
    expect(log).toEqual(["##[group]fetch ***", "##[debug]token ***"]);
  });

  it("of values added with add-mask, and keeps set-output's value for the step's outputs", () => {
    const { out, log, annotations } = collect([]);
    out.line("::add-mask::late secret!");
    out.line("::set-output name=x::late secret!");
    out.line(`::notice::${Buffer.from("late secret!").toString("base64")} late%2520secret!`);
    expect(out.effects.outputs).toEqual({ x: "late secret!" });
    expect(annotations[0].message).toBe("*** ***");
    expect(log).toEqual(["Notice: *** ***"]);
  });
});

describe("StepOutput's own lines", () => {
  it("writes a step's header folded, masked, a value of several lines as several lines", () => {
    const { out, log } = collect(["s3cr3t-value"]);
    out.header("Run deploy s3cr3t-value", ["env:", "  TOKEN: s3cr3t-value", "  NOTE: one\ntwo"]);
    out.header("Run actions/checkout@v4", []);
    expect(log).toEqual([
      "##[group]Run deploy ***",
      "env:",
      "  TOKEN: ***",
      "  NOTE: one",
      "two",
      "##[endgroup]",
      // nothing to fold: the title alone, never an empty group (the server's mark of a step)
      "Run actions/checkout@v4",
    ]);
  });

  it("raises the runner's errors as GitHub's runner does: ##[error] in the log and an annotation", () => {
    const { out, log, annotations } = collect([]);
    out.error("Process completed with exit code 3.");
    expect(log).toEqual(["##[error]Process completed with exit code 3."]);
    expect(annotations).toEqual([
      {
        runId: "1",
        jobKey: "job",
        level: "error",
        text: "Process completed with exit code 3.",
        message: "Process completed with exit code 3.",
      },
    ]);
  });
});
