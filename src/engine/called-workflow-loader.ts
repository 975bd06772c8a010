import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  buildWorkflowDef,
  formatProblem,
  type LoadWorkflow,
  loadWorkflow,
  parseCallRef,
} from "../workflow/index.js";
import type { CalledWorkflow, LoadCalledWorkflow, RemoteSource } from "./run-options.js";

/** Reads one file of a remote repository at a ref, and the commit the ref resolved to. */
export type ReadRemoteFile = (
  owner: string,
  repo: string,
  path: string,
  ref: string,
) => Promise<{ content: string; commit: string }>;

/**
 * The loader of called workflows for a run in the checkout at `root`: `./` files from the
 * working tree (the same tree the calling workflows were read from), remote ones, and `./` calls
 * made by remote ones, through `readRemote`. Each file is read and parsed once per run, by `parseFile`
 * (the server's parses off its event loop).
 */
export function calledWorkflowLoader(
  root: string,
  readRemote: ReadRemoteFile,
  parseFile: LoadWorkflow = loadWorkflow,
): LoadCalledWorkflow {
  const cache = new Map<string, Promise<CalledWorkflow | { errors: string[] }>>();

  async function parse(
    file: string,
    content: string,
    id: string,
    source: RemoteSource | undefined,
  ): Promise<CalledWorkflow | { errors: string[] }> {
    const result = await parseFile(file, content);
    const errors = result.problems.filter((p) => p.severity === "error");
    if (!result.workflow || errors.length > 0) {
      return { errors: [`The called workflow ${file} is invalid:`, ...errors.map(formatProblem)] };
    }
    return { workflow: buildWorkflowDef(result.workflow), source, id };
  }

  async function readRemoteWorkflow(
    uses: string,
    owner: string,
    repo: string,
    path: string,
    ref: string,
  ): Promise<CalledWorkflow | { errors: string[] }> {
    const name = `${owner}/${repo}/${path}@${ref}`;
    let file: { content: string; commit: string };
    try {
      file = await readRemote(owner, repo, path, ref);
    } catch (err) {
      return { errors: [`Reusable workflow '${name}' could not be read: ${(err as Error).message}`] };
    }
    const source = { owner, repo, commit: file.commit };
    return parse(name, file.content, `${owner}/${repo}/${path}@${file.commit}`, source);
  }

  async function load(
    uses: string,
    from: RemoteSource | undefined,
  ): Promise<CalledWorkflow | { errors: string[] }> {
    const ref = parseCallRef(uses);
    if (typeof ref === "string") return { errors: [ref] };
    if (ref.kind === "remote") return readRemoteWorkflow(uses, ref.owner, ref.repo, ref.path, ref.ref);
    // A `./` call reads from the caller's repository and commit.
    if (from) return readRemoteWorkflow(uses, from.owner, from.repo, ref.path, from.commit);
    let content: string;
    try {
      content = readFileSync(join(root, ref.path), "utf8");
    } catch {
      return { errors: [`Reusable workflow '${uses}' was not found in the repository`] };
    }
    return parse(ref.path, content, ref.path, undefined);
  }

  return (uses, from) => {
    const key = `${from ? `${from.owner}/${from.repo}@${from.commit}:` : ""}${uses}`;
    let p = cache.get(key);
    if (!p) {
      p = load(uses, from);
      cache.set(key, p);
    }
    return p;
  };
}
