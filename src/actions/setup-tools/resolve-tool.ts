import { arch } from "node:os";
import { describeListing, type ToolCacheListing, toolArch } from "./tool-cache.js";
import type { Candidate } from "./versions.js";

/** A tool found on the host's PATH. */
export interface HostTool {
  /** Its version as semver. */
  version: string;
  /** The executable found. */
  path: string;
}

/** Where a setup-* action found its tool. */
export type Resolved =
  | { source: "tool-cache"; version: string; dir: string }
  | { source: "host"; version: string; path: string };

export interface ResolveOptions {
  /** "Node.js" */
  tool: string;
  /** The executable looked for on the host's PATH ("node"). */
  command: string;
  /** The request as written, for messages ("20.x", "lts/*"). */
  want: string;
  arch: string;
  listing: ToolCacheListing;
  /** Chooses among candidates (tool cache or host) and may explain an alias decided offline. */
  pick: (candidates: Candidate[]) => { chosen?: Candidate; note?: string };
  /** Looks for the tool on the host's PATH; undefined when it is not there or does not run. */
  host: () => Promise<{ found?: HostTool; problem?: string }>;
  log: (line: string) => void;
}

export class ToolNotFoundError extends Error {
  readonly code = "TOOL_NOT_FOUND";
}

/**
 * Resolves a tool offline: the highest matching version in the runner's tool cache, else the
 * host's own when it matches, else a ToolNotFoundError that says what was looked for, where,
 * and what is there.
 */
export async function resolveTool(opts: ResolveOptions): Promise<Resolved> {
  const fromCache = opts.pick(opts.listing.found);
  if (fromCache.note) opts.log(fromCache.note);
  if (fromCache.chosen) {
    opts.log(`Found ${opts.tool} ${fromCache.chosen.version} in the tool cache: ${fromCache.chosen.dir}`);
    return { source: "tool-cache", version: fromCache.chosen.version, dir: fromCache.chosen.dir };
  }
  const places = [`the tool cache ${opts.listing.root} ${describeListing(opts.listing, opts.arch)}`];
  if (opts.arch !== toolArch(undefined)) {
    places.push(`the host's PATH was not used: it serves ${toolArch(arch())}, not ${opts.arch}`);
  } else {
    const host = await opts.host();
    if (host.found) {
      const { chosen } = opts.pick([{ version: host.found.version, dir: host.found.path }]);
      if (chosen) {
        opts.log(
          `${opts.tool} ${opts.want} is not in the tool cache (${opts.listing.root}); using the host's ${opts.command} ${host.found.version} at ${host.found.path}`,
        );
        return { source: "host", version: host.found.version, path: host.found.path };
      }
      places.push(
        `the host's PATH has ${opts.command} ${host.found.version} at ${host.found.path}, which does not satisfy '${opts.want}'`,
      );
    } else {
      places.push(`the host's PATH ${host.problem ?? `has no ${opts.command}`}`);
    }
  }
  throw new ToolNotFoundError(
    `${opts.tool} '${opts.want}' (${opts.arch}) was not found on this machine. Looked in: ${places.join("; ")}. ` +
      `gantry runs offline and downloads no tools: put it into the tool cache as ${opts.listing.root}/<version>/${opts.arch}/ ` +
      `with an empty ${opts.arch}.complete file beside that folder (set RUNNER_TOOL_CACHE to use another tool cache), or install a matching ${opts.command} on the host's PATH.`,
  );
}
