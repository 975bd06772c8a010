// What a repository's workflows could do better, read from the files alone: actions to pin to a
// commit, installs to cache, and needs that hold a job back for nothing. Each piece of advice names
// the file, line and column it is about.
import { child, type JobDef, type StepDef, tokenText, type WorkflowDef } from "../workflow/index.js";
import type { Advice } from "./advice.js";

/** A full commit SHA (40 hex digits, or 64 for SHA-256 repositories). */
const COMMIT = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/** The `uses:` of every step and reusable-workflow call, with where each is written. */
function usesOf(wf: WorkflowDef): Array<{ value: string; line: number; col: number }> {
  const out: Array<{ value: string; line: number; col: number }> = [];
  for (const job of wf.loaded.template.jobs) {
    const tokens =
      job.type === "reusableWorkflowJob"
        ? [job.ref]
        : job.steps.map((s) => ("uses" in s ? s.uses : undefined));
    for (const t of tokens) {
      if (!t) continue;
      const at = t.range?.start;
      out.push({ value: t.value.trim(), line: at?.line ?? 1, col: at?.column ?? 1 });
    }
  }
  return out;
}

/** Pin: an action or reusable workflow named by a tag or branch, a Docker image by a tag. */
function pinAdvice(wf: WorkflowDef): Advice[] {
  const out: Advice[] = [];
  for (const u of usesOf(wf)) {
    if (u.value.startsWith("./") || u.value.includes("${{")) continue;
    if (u.value.startsWith("docker://")) {
      if (!u.value.includes("@sha256:"))
        out.push({
          kind: "pin",
          file: wf.file,
          line: u.line,
          col: u.col,
          message: `pin ${u.value} to its digest (docker://IMAGE@sha256:…): a tag can be pushed again with other contents`,
        });
      continue;
    }
    const at = u.value.lastIndexOf("@");
    if (at < 0) continue;
    const name = u.value.slice(0, at);
    const ref = u.value.slice(at + 1);
    if (COMMIT.test(ref)) continue;
    const owner = name.split("/")[0].toLowerCase();
    const whose = owner === "actions" || owner === "github" ? "GitHub's" : "a third party's";
    out.push({
      kind: "pin",
      file: wf.file,
      line: u.line,
      col: u.col,
      message: `pin ${u.value} (${whose}) to a full commit SHA, as \`${name}@<sha> # ${ref}\`: a tag or branch can be moved to other code`,
    });
  }
  return out;
}

interface Installer {
  tool: string;
  /** The command that installs (or builds with) the tool's dependencies. */
  command: RegExp;
  /** The setup action and the input that turns its cache on, where there is one. */
  setup?: { action: string; input: string; value?: string };
  /** The files whose hash keys the cache. */
  lock: string;
}

const INSTALLERS: Installer[] = [
  {
    tool: "npm",
    command: /\bnpm\s+(?:ci|install|i)\b/,
    setup: { action: "actions/setup-node", input: "cache", value: "npm" },
    lock: "**/package-lock.json",
  },
  {
    tool: "yarn",
    command: /\byarn(?:\s+install\b|\s*$)/m,
    setup: { action: "actions/setup-node", input: "cache", value: "yarn" },
    lock: "**/yarn.lock",
  },
  {
    tool: "pnpm",
    command: /\bpnpm\s+(?:install|i)\b/,
    setup: { action: "actions/setup-node", input: "cache", value: "pnpm" },
    lock: "**/pnpm-lock.yaml",
  },
  {
    tool: "pip",
    command: /\bpip3?\s+install\b/,
    setup: { action: "actions/setup-python", input: "cache", value: "pip" },
    lock: "**/requirements*.txt",
  },
  {
    tool: "poetry",
    command: /\bpoetry\s+install\b/,
    setup: { action: "actions/setup-python", input: "cache", value: "poetry" },
    lock: "**/poetry.lock",
  },
  {
    tool: "bundler",
    command: /\bbundle\s+install\b/,
    setup: { action: "ruby/setup-ruby", input: "bundler-cache", value: "true" },
    lock: "**/Gemfile.lock",
  },
  {
    tool: "Gradle",
    command: /(?:\bgradle|\.\/gradlew)\s+\w/,
    setup: { action: "actions/setup-java", input: "cache", value: "gradle" },
    lock: "**/*.gradle*",
  },
  {
    tool: "Maven",
    command: /\bmvn\s+\w/,
    setup: { action: "actions/setup-java", input: "cache", value: "maven" },
    lock: "**/pom.xml",
  },
  {
    tool: "Go",
    command: /\bgo\s+(?:build|test|mod\s+download)\b/,
    setup: { action: "actions/setup-go", input: "cache", value: "true" },
    lock: "**/go.sum",
  },
  { tool: "Cargo", command: /\bcargo\s+(?:build|test|check|clippy)\b/, lock: "**/Cargo.lock" },
];

/** Actions that cache dependencies whatever their inputs. */
const CACHING = new Set([
  "actions/cache",
  "actions/cache/restore",
  "swatinem/rust-cache",
  "gradle/actions/setup-gradle",
  "gradle/gradle-build-action",
]);

const actionName = (s: StepDef) => s.uses?.split("@")[0].toLowerCase() ?? "";

/** A `with:` input's value as written (a boolean or number as its text). */
function input(step: StepDef, key: string): string | undefined {
  const token = child(step.with, key);
  if (!token) return undefined;
  const scalar = token as { value?: unknown };
  return typeof scalar.value === "boolean" || typeof scalar.value === "number"
    ? String(scalar.value)
    : tokenText(token).trim();
}

/** Whether the job caches what `tool` installs: an actions/cache step, or its setup action's cache input. */
function caches(job: JobDef, tool: Installer): boolean {
  return job.steps.some((s) => {
    const name = actionName(s);
    if (CACHING.has(name)) return true;
    // actions/setup-go caches the module and build caches unless told not to.
    if (tool.tool === "Go" && name === "actions/setup-go") return input(s, "cache") !== "false";
    if (!tool.setup || name !== tool.setup.action) return false;
    const value = input(s, tool.setup.input);
    return value !== undefined && value !== "" && value !== "false";
  });
}

/** Cache: a job installing dependencies with no cache of them. */
function cacheAdvice(wf: WorkflowDef): Advice[] {
  const out: Advice[] = [];
  for (const job of wf.jobs) {
    const scripts = job.steps.map((s) => tokenText(s.run)).join("\n");
    for (const tool of INSTALLERS) {
      if (!tool.command.test(scripts) || caches(job, tool)) continue;
      const how = tool.setup
        ? `\`${tool.setup.input}: ${tool.setup.value}\` on ${tool.setup.action}, or an actions/cache step`
        : "an actions/cache step";
      out.push({
        kind: "cache",
        file: wf.file,
        line: job.line,
        col: job.col,
        message: `job '${job.id}' runs ${tool.tool} without a cache of what it downloads: add ${how} keyed on hashFiles('${tool.lock}')`,
      });
    }
  }
  return out;
}

/** How a job's text names another job's results: needs.ID, needs['ID'] or needs["ID"]. */
function names(text: string, id: string): boolean {
  const escaped = id.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  // A job id may hold '-': needs.build is not named by needs.build-linux.
  return new RegExp(`needs\\s*(?:\\.\\s*${escaped}(?![\\w-])|\\[\\s*['"]${escaped}['"]\\s*\\])`, "i").test(
    text,
  );
}

/** Jobs that ship (by an environment, or deploy, release or publish in their id) wait for their tests on purpose. */
const SHIPS = /deploy|release|publish/i;
/** A status function in a job's `if:` reads the results of what it needs. */
const STATUS_CHECK = /\b(?:success|failure|always|cancelled)\s*\(/i;

/**
 * Parallelise: a job that waits for another without using it: it reads none of its outputs or
 * results (nor their status, in its `if:`) and downloads no artifact. Jobs that ship are left
 * alone, and so are needs on a reusable workflow's call (what it makes is not in this file).
 */
function needsAdvice(wf: WorkflowDef): Advice[] {
  const out: Advice[] = [];
  const rawJobs = wf.loaded.root.find("jobs");
  const byId = new Map(wf.jobs.map((j) => [j.id, j]));
  for (const job of wf.jobs) {
    if (job.needs.length === 0 || job.environment || job.uses || SHIPS.test(job.id)) continue;
    const raw = child(rawJobs, job.id);
    if (STATUS_CHECK.test(tokenText(child(raw, "if")))) continue;
    const text = tokenText(raw);
    const downloads = job.steps.some((s) => actionName(s) === "actions/download-artifact");
    for (const need of job.needs) {
      const before = byId.get(need);
      if (!before || before.uses || names(text, need)) continue;
      const uploads = before.steps.some((s) => actionName(s) === "actions/upload-artifact");
      if (downloads && uploads) continue;
      out.push({
        kind: "parallelise",
        file: wf.file,
        line: job.line,
        col: job.col,
        message: `job '${job.id}' waits for '${need}' but uses none of its outputs, results or artifacts: if it need not run after it, drop '${need}' from its needs and both run at once`,
      });
    }
  }
  return out;
}

/** Everything the workflow files say, in file and line order. */
export function workflowAdvice(workflows: WorkflowDef[]): Advice[] {
  return workflows
    .flatMap((wf) => [...pinAdvice(wf), ...cacheAdvice(wf), ...needsAdvice(wf)])
    .sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col);
}
