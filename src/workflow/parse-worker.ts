// The entry of the worker thread that parses workflows for WorkflowParsePool (parse-pool.ts);
// scripts/build.mjs bundles it as dist/workflow-parse-worker.js, beside dist/gantry.js.
import { parentPort } from "node:worker_threads";
import { loadWorkflow } from "./load.js";
import type { ParseReply, ParseRequest } from "./parse-pool.js";

const port = parentPort;
if (!port) throw new Error("parse-worker.ts runs as a worker thread (WorkflowParsePool)");

port.on("message", async (request: ParseRequest) => {
  let reply: ParseReply;
  try {
    const result = await loadWorkflow(request.file, request.content);
    reply = { id: request.id, problems: result.problems, loaded: result.workflow !== undefined };
  } catch (err) {
    // loadWorkflow throws nothing it knows of; a bug still fails only this file.
    const message = `The workflow could not be parsed: ${(err as Error).message}`;
    reply = {
      id: request.id,
      problems: [{ file: request.file, line: 1, col: 1, severity: "error", message }],
      loaded: false,
    };
  }
  port.postMessage(reply);
});
// The parser's schema is read and its code warmed by a first file, so that no file's clock pays
// for that; then the pool is told, and starts each file's clock from here.
await loadWorkflow("warm-up.yml", "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: echo\n");
port.postMessage({ ready: true });
