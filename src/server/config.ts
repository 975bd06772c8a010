import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { z } from "zod";
import { UsageError } from "../workflow/index.js";

export const repoBody = z.object({
  owner: z.string().regex(/^[\w.-]+$/, "owner: letters, digits, '.', '-' and '_' only"),
  name: z.string().regex(/^[\w.-]+$/, "name: letters, digits, '.', '-' and '_' only"),
  url: z.string().min(1),
  default_branch: z.string().min(1).default("main"),
  poll_interval_seconds: z.number().int().min(0).default(60),
});

export type RepoBody = z.infer<typeof repoBody>;

/** `gantry serve --config FILE`: repositories, the embedded runner pool, retries, secrets and vars. */
export const serverConfig = z.object({
  repos: z.array(repoBody).default([]),
  runners: z
    .object({
      /** Jobs the embedded pool runs at once. */
      slots: z.number().int().min(1).default(2),
      /** The pool's labels; a job runs when every label of its runs-on (after label_map) is here. */
      labels: z.array(z.string()).optional(),
      /** A runs-on label to the pool labels it stands for, e.g. ubuntu-latest: [linux]. */
      label_map: z.record(z.string(), z.array(z.string())).optional(),
    })
    .default({ slots: 2 }),
  retries: z
    .object({
      /** Times a job whose runner was lost (the server died under it) is queued again before it fails. */
      lost_runner: z.number().int().min(0).default(0),
    })
    .default({ lost_runner: 0 }),
  secrets: z.record(z.string(), z.string()).default({}),
  vars: z.record(z.string(), z.string()).default({}),
});

export type ServerConfig = z.infer<typeof serverConfig>;

/** A zod error as one line per problem: `path: message`. */
export function zodProblems(error: z.ZodError): string[] {
  return error.issues.map((i) => `${i.path.length ? `${i.path.join(".")}: ` : ""}${i.message}`);
}

/** Parses a config object (from YAML or code); throws UsageError naming each problem. */
export function parseServerConfig(value: unknown, source = "config"): ServerConfig {
  const parsed = serverConfig.safeParse(value ?? {});
  if (!parsed.success) {
    throw new UsageError(`${source}: ${zodProblems(parsed.error).join("; ")}`);
  }
  return parsed.data;
}

/** Reads the YAML config file; a YAML error names its line and column. */
export function loadServerConfig(file: string): ServerConfig {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new UsageError(`--config: ${(err as Error).message}`);
  }
  let value: unknown;
  try {
    value = parse(text);
  } catch (err) {
    const e = err as { linePos?: Array<{ line: number; col: number }>; message: string };
    const at = e.linePos?.[0];
    throw new UsageError(`${file}:${at?.line ?? 1}:${at?.col ?? 1}: ${e.message.split("\n")[0]}`);
  }
  return parseServerConfig(value, file);
}
