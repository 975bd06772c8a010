import { NoOperationTraceWriter } from "@actions/workflow-parser";
import { ACTION_ROOT } from "@actions/workflow-parser/actions/action-constants";
import type { TemplateSchema } from "@actions/workflow-parser/templates/schema/index";
import {
  TemplateContext,
  TemplateValidationErrors,
} from "@actions/workflow-parser/templates/template-context";
import { readTemplate } from "@actions/workflow-parser/templates/template-reader";
import type { TemplateToken } from "@actions/workflow-parser/templates/tokens/template-token";
import { WORKFLOW_ROOT } from "@actions/workflow-parser/workflows/workflow-constants";
import { YamlObjectReader } from "@actions/workflow-parser/workflows/yaml-object-reader";
import { type Alias, type Document, isAlias, isDocument, isNode, type Node, visit } from "yaml";
import type { Problem } from "./problems.js";
import { actionSchema, workflowSchema } from "./schema-cache.js";

/**
 * The largest workflow (or action.yml) file gantry reads: 1 MiB, GitHub's own limit (the runner's
 * workflow parser, ParseOptions.MaxFileSize = 1024 * 1024). A larger file is an error at 1:1.
 */
export const MAX_WORKFLOW_FILE_BYTES = 1024 * 1024;

/**
 * The most YAML nodes that aliases (`*name`) may add to a file when the parser expands them, all
 * aliases together: 100,000. Real workflows reuse an `env:` map or a list of steps a few times
 * (hundreds of nodes); a "billion laughs" file adds 9^depth and is stopped here, at the alias whose
 * expansion crosses the cap, before the parser has done more than this much work. (The `yaml`
 * package's own `maxAliasCount` does not apply: @actions/workflow-parser expands aliases itself.)
 */
export const MAX_ALIAS_EXPANSION_NODES = 100_000;

/** What @actions/workflow-parser's parseWorkflow / parseAction return. */
export interface BoundedParse {
  context: TemplateContext;
  value: TemplateToken | undefined;
  /** The size or alias limit the file broke (then `value` is undefined). */
  limit?: Problem;
}

/** A file over MAX_WORKFLOW_FILE_BYTES, as a problem at 1:1 (undefined when within it). */
export function fileSizeProblem(file: string, bytes: number): Problem | undefined {
  if (bytes <= MAX_WORKFLOW_FILE_BYTES) return undefined;
  return {
    file,
    line: 1,
    col: 1,
    severity: "error",
    message: `The file is ${bytes.toLocaleString("en-US")} bytes; the limit is ${MAX_WORKFLOW_FILE_BYTES.toLocaleString("en-US")} (1 MiB, as on GitHub)`,
  };
}

/** parseWorkflow with the size limit and the alias cap. */
export function parseWorkflowBounded(file: string, content: string): BoundedParse {
  return parseBounded(file, content, workflowSchema(), WORKFLOW_ROOT);
}

/** parseAction (action.yml) with the size limit and the alias cap. */
export function parseActionBounded(file: string, content: string): BoundedParse {
  return parseBounded(file, content, actionSchema(), ACTION_ROOT);
}

type NodeEvents = (node: unknown, aliasStack: Set<unknown>) => Generator<unknown, void, undefined>;

/**
 * The parts of the parser's YamlObjectReader (private in its types) this file relies on: the
 * parsed document, and getNodes, the generator that walks it and calls itself (through `this`) for
 * every child, expanding each alias by walking its anchor's node again.
 */
interface ReaderInternals {
  doc: Document;
  getNodes: NodeEvents;
}

/** Thrown inside the reader to stop it; readTemplate records it as an error, which is dropped. */
const STOP = "gantry: alias expansion stopped";

/**
 * Parses as the GitHub parser's parseWorkflow/parseAction do (same reader, schema and errors), but
 * refuses a file over MAX_WORKFLOW_FILE_BYTES and stops expanding aliases once they have added
 * MAX_ALIAS_EXPANSION_NODES nodes, with an error at the alias (in the file as written) whose
 * expansion crossed the cap. Each alias is resolved once up front, not by searching the whole
 * document per expansion as the parser's reader does (which made even a valid file with many
 * aliases cost aliases × nodes).
 */
function parseBounded(file: string, content: string, schema: TemplateSchema, root: string): BoundedParse {
  const context = new TemplateContext(new TemplateValidationErrors(), schema, new NoOperationTraceWriter());
  const tooBig = fileSizeProblem(file, Buffer.byteLength(content, "utf8"));
  if (tooBig) return { context, value: undefined, limit: tooBig };
  const fileId = context.getFileId(file);
  const reader = new YamlObjectReader(fileId, content);
  if (reader.errors.length > 0) {
    for (const err of reader.errors) context.error(fileId, err.message, err.range);
    return { context, value: undefined };
  }
  const internals = reader as unknown as ReaderInternals;
  const walk = Object.getPrototypeOf(reader).getNodes as NodeEvents | undefined;
  if (!isDocument(internals.doc) || typeof walk !== "function") {
    throw new Error(
      "@actions/workflow-parser's YamlObjectReader changed; src/workflow/bounded-parse.ts needs updating",
    );
  }
  // An alias is written `*name` and refers to an anchor written `&name` (one without is the yaml
  // package's error, above): a file without both characters has none to expand, and is read
  // without a walk to find them or a step in between for each node.
  if (!content.includes("*") || !content.includes("&")) {
    return { context, value: readTemplate(context, root, reader, fileId) };
  }
  const targets = aliasTargets(internals.doc);
  let expanding: Alias | undefined; // the outermost alias being expanded, as written in the file
  let added = 0;
  let stoppedAt: Alias | undefined;
  // An own property: the reader's recursive `this.getNodes(...)` calls come here first.
  internals.getNodes = function* (node, aliasStack) {
    if (isAlias(node)) {
      const target = targets.get(node);
      // As the parser: an unresolved alias is the yaml package's error; a circular one adds nothing.
      if (!target || aliasStack.has(target)) return;
      const outermost = expanding === undefined;
      if (outermost) expanding = node;
      try {
        yield* internals.getNodes(target, new Set(aliasStack).add(target));
      } finally {
        if (outermost) expanding = undefined;
      }
      return;
    }
    if (expanding && ++added > MAX_ALIAS_EXPANSION_NODES) {
      stoppedAt = expanding;
      throw new Error(STOP);
    }
    yield* walk.call(reader, node, aliasStack);
  };
  const value = readTemplate(context, root, reader, fileId);
  if (!stoppedAt) return { context, value };
  const limit: Problem = {
    file,
    ...positionOf(content, stoppedAt),
    severity: "error",
    message: `Aliases expand to more than ${MAX_ALIAS_EXPANSION_NODES.toLocaleString("en-US")} nodes; expanding '*${stoppedAt.source}' here crossed the limit (a YAML alias bomb?)`,
  };
  // What the reader found before it was stopped stays; the error it made of the stop goes.
  const errors = context.errors.getErrors().filter((e) => e.rawMessage !== STOP);
  const kept = new TemplateContext(new TemplateValidationErrors(), schema, new NoOperationTraceWriter());
  kept.getFileId(file);
  kept.errors.add(errors);
  return { context: kept, value: undefined, limit };
}

/**
 * Each alias's node, as yaml's Alias.resolve finds it (the last node with that anchor before the
 * alias, in document order), for the whole document in one walk.
 */
function aliasTargets(doc: Document): Map<Alias, Node> {
  const anchors = new Map<string, Node>();
  const targets = new Map<Alias, Node>();
  visit(doc, {
    Node(_key, node) {
      if (isAlias(node)) {
        const target = anchors.get(node.source);
        if (target) targets.set(node, target);
      } else if (isNode(node) && node.anchor) {
        anchors.set(node.anchor, node);
      }
    },
  });
  return targets;
}

/** 1-based line and column of a node's start. */
function positionOf(content: string, node: Alias): { line: number; col: number } {
  const offset = node.range?.[0] ?? 0;
  let line = 1;
  let start = 0;
  for (let i = content.indexOf("\n"); i >= 0 && i < offset; i = content.indexOf("\n", i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, col: offset - start + 1 };
}
