import { existsSync } from "node:fs";
import { join } from "node:path";
import semver from "semver";
import {
  type ActionStepRequest,
  type ActionStepResult,
  findOnPath,
  readJobFile,
  writeJobFile,
} from "../../runner/index.js";
import { runCommand } from "../../sandbox/index.js";
import type { CacheStore } from "../stores.js";
import { needStore, restoreDependencies } from "./dependency-cache.js";
import { nodeDependencyCache } from "./dependency-plans.js";
import {
  readVersionFile,
  runnerTemp,
  StepEffects,
  toolCacheRoot,
  warnOfflineInputs,
} from "./file-commands.js";
import { resolveTool } from "./resolve-tool.js";
import { listToolCache, probe, toolArch } from "./tool-cache.js";
import { nodeVersionFromFile } from "./version-files.js";
import { describeNodeRequest, parseNodeSpec, pickNode } from "./versions.js";

/**
 * The built-in actions/setup-node: Node.js from the runner's tool cache
 * (`<toolcache>/node/<version>/<arch>`) or the host's PATH, never downloaded.
 */
export async function setupNode(
  req: ActionStepRequest,
  deps: { cache?: CacheStore } = {},
): Promise<ActionStepResult> {
  const fx = new StepEffects(req);
  try {
    warnOfflineInputs(fx, req, "setup-node");
    let spec = req.inputs["node-version"]?.trim() ?? "";
    const file = req.inputs["node-version-file"]?.trim() ?? "";
    if (spec && file) {
      fx.warning(
        "Both node-version and node-version-file inputs are specified, only node-version will be used",
      );
    } else if (file) {
      spec = nodeVersionFromFile(readVersionFile(req, "node-version-file", file))?.trim() ?? "";
      fx.info(`Resolved ${file} as ${spec || "(no version)"}`);
    }
    // What `node --version` already answered while resolving (the host's node), not asked twice.
    let known: { path: string; output: string } | undefined;
    if (spec) {
      const request = parseNodeSpec(spec);
      const archName = toolArch(req.inputs.architecture);
      const resolved = await resolveTool({
        tool: "Node.js",
        command: "node",
        want: describeNodeRequest(request),
        arch: archName,
        listing: listToolCache(toolCacheRoot(req), "node", archName),
        pick: (candidates) => pickNode(candidates, request),
        host: () => hostNode(fx.env),
        log: (l) => fx.info(l),
      });
      if (resolved.source === "tool-cache") {
        const bin = process.platform === "win32" ? resolved.dir : join(resolved.dir, "bin");
        fx.addPath(bin);
        await keepInstallsInJob(req, fx, bin);
      } else {
        known = { path: resolved.path, output: `v${resolved.version}` };
      }
    } else {
      fx.info("node-version was not given: the node on PATH is used as it is");
    }
    const registry = req.inputs["registry-url"]?.trim();
    if (registry) configureRegistry(req, fx, registry);

    const node = findOnPath(process.platform === "win32" ? "node.exe" : "node", fx.env.PATH);
    if (!node) return { ok: false, error: "node was not found on PATH after setup" };
    let installed = known?.path === node ? known.output : undefined;
    if (!installed) {
      const version = await probe(node, ["--version"], fx.env);
      if (!version.ok) return { ok: false, error: `${node} --version failed: ${version.error}` };
      installed = version.stdout.trim();
    }
    fx.info(`Environment details: node: ${installed} (${node})`);
    const outputs: Record<string, string> = { "node-version": installed };
    const cache = req.inputs.cache?.trim() ?? "";
    if (cache) {
      const store = needStore(req, deps.cache, `cache: ${cache}`);
      const dependencyPath = req.inputs["cache-dependency-path"] ?? "";
      const plan = await nodeDependencyCache(req, fx, cache, dependencyPath);
      outputs["cache-hit"] = await restoreDependencies(req, store, plan, "restored");
    }
    return { ok: true, outputs };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

/**
 * The job's own tools folder (npm's global prefix, which the runner makes) goes before the tool
 * cache's node on PATH, with a link to that node's corepack in it: `npm i -g` and `corepack enable`
 * (which writes its shims beside the first `corepack` on PATH) install there, and the tool cache
 * stays as every job finds it. The link is made as the job (in its sandbox, when it has one).
 */
async function keepInstallsInJob(req: ActionStepRequest, fx: StepEffects, nodeBin: string): Promise<void> {
  const prefix = fx.env.NPM_CONFIG_PREFIX;
  if (!prefix || process.platform === "win32") return;
  const jobBin = join(prefix, "bin");
  const corepack = join(nodeBin, "corepack");
  if (existsSync(corepack)) {
    try {
      await runCommand("ln", ["-sfn", "--", corepack, join(jobBin, "corepack")], {
        cwd: "/",
        sandbox: req.sandbox,
      });
    } catch (err) {
      fx.warning(`corepack enable would write into the tool cache: ${(err as Error).message}`);
    }
  }
  fx.addPath(jobBin);
}

async function hostNode(env: Record<string, string>) {
  const path = findOnPath(process.platform === "win32" ? "node.exe" : "node", env.PATH);
  if (!path) return { problem: "has no node" };
  const out = await probe(path, ["--version"], env);
  const version = semver.clean(out.stdout.trim());
  if (!out.ok || !version) return { problem: `has ${path}, but '${path} --version' failed` };
  return { found: { version, path } };
}

/** setup-node's registry-url: a .npmrc in RUNNER_TEMP naming the registry, token from NODE_AUTH_TOKEN. */
function configureRegistry(req: ActionStepRequest, fx: StepEffects, url: string): void {
  const registry = url.endsWith("/") ? url : `${url}/`;
  let scope = req.inputs.scope?.trim() ?? "";
  if (!scope && registry.includes("npm.pkg.github.com")) scope = String(req.github.repository_owner ?? "");
  if (scope && !scope.startsWith("@")) scope = `@${scope}`;
  if (scope) scope = `${scope.toLowerCase()}:`;
  const npmrc = join(runnerTemp(req), ".npmrc");
  // The job's temp folder: never read or written through a link a step left there.
  const kept = readJobFile(npmrc)
    .split(/\r?\n/)
    .filter((l) => l && !l.toLowerCase().startsWith(`${scope}registry`));
  const alwaysAuth = req.inputs["always-auth"]?.trim() || "false";
  kept.push(
    `${registry.replace(/^\w+:/, "")}:_authToken=\${NODE_AUTH_TOKEN}`,
    `${scope}registry=${registry}`,
    `always-auth=${alwaysAuth}`,
  );
  writeJobFile(npmrc, `${kept.join("\n")}\n`);
  fx.exportVariable("NPM_CONFIG_USERCONFIG", npmrc);
  fx.exportVariable("NODE_AUTH_TOKEN", fx.env.NODE_AUTH_TOKEN || "XXXXX-XXXXX-XXXXX-XXXXX");
  fx.info(`Registry ${registry} written to ${npmrc}`);
}
