import semver from "semver";

/** A version found on this machine, with where it lives. */
export interface Candidate {
  /** The version as semver (Java's build number as `+build`). */
  version: string;
  dir: string;
}

export class VersionSpecError extends Error {
  readonly code = "VERSION_SPEC";
}

/**
 * True when `version` satisfies `spec` as @actions/tool-cache and the setup-* actions judge
 * it: an exact version must be equal (a Java `+build` included when the spec has one), anything
 * else is a semver range (`20`, `20.x`, `>=18`, `^3.11`, `1.22.x`).
 */
export function satisfies(version: string, spec: string, includePrerelease = false): boolean {
  const exact = exactVersion(spec);
  if (exact)
    return spec.includes("+") ? semver.compareBuild(exact, version) === 0 : semver.eq(exact, version);
  return semver.satisfies(version, spec, { includePrerelease });
}

/** The version an exact spec names (`20.11.1`, `v20.11.1`, `17.0.10+7`), else undefined. */
export function exactVersion(spec: string): semver.SemVer | undefined {
  return semver.parse(spec.trim().replace(/^[=v]+/, "")) ?? undefined;
}

/** Throws a clear error when `spec` is neither a version nor a range semver understands. */
export function checkSpec(spec: string, what: string): void {
  if (exactVersion(spec) || semver.validRange(spec)) return;
  throw new VersionSpecError(`'${spec}' is not a valid ${what} version or version range`);
}

/** The highest candidate whose version satisfies `spec`. */
export function pickHighest(
  candidates: Candidate[],
  spec: string,
  includePrerelease = false,
): Candidate | undefined {
  return candidates
    .filter((c) => satisfies(c.version, spec, includePrerelease))
    .sort((a, b) => semver.compareBuild(b.version, a.version))[0];
}

/** Candidates sorted newest first (for listing what is available). */
export function newestFirst(candidates: Candidate[]): Candidate[] {
  return [...candidates].sort((a, b) => semver.compareBuild(b.version, a.version));
}

// ---- Node.js ------------------------------------------------------------------------------

/** Node.js LTS code names and their major version (lts/<name>), as nodejs.org names them. */
const NODE_LTS_NAMES: Record<string, number> = {
  argon: 4,
  boron: 6,
  carbon: 8,
  dubnium: 10,
  erbium: 12,
  fermium: 14,
  gallium: 16,
  hydrogen: 18,
  iron: 20,
  jod: 22,
  krypton: 24,
};

/** What a node-version input asks for, once aliases are decided offline. */
export type NodeRequest =
  | { kind: "range"; spec: string }
  | { kind: "newest"; alias: string }
  | { kind: "lts"; alias: string; offset: number }
  | { kind: "lts-major"; alias: string; major: number };

/**
 * Reads a setup-node version spec. Aliases that need nodejs.org's release index offline:
 * `latest`/`current`/`node` become the newest version on this machine; `lts/*` and `lts/-N`
 * the newest (or N-th older) even major line on this machine; `lts/<codename>` the codename's
 * major. Nightly, canary and rc channels need a download and are refused.
 */
export function parseNodeSpec(input: string): NodeRequest {
  const spec = input.trim();
  const lower = spec.toLowerCase();
  if (lower === "latest" || lower === "current" || lower === "node") return { kind: "newest", alias: spec };
  if (lower.startsWith("lts/")) {
    const rest = lower.slice(4);
    if (rest === "*") return { kind: "lts", alias: spec, offset: 0 };
    const back = /^-(\d+)$/.exec(rest);
    if (back) return { kind: "lts", alias: spec, offset: Number(back[1]) };
    const major = NODE_LTS_NAMES[rest];
    if (major === undefined) {
      throw new VersionSpecError(
        `Unknown Node.js LTS code name '${rest}' in '${spec}' (gantry knows ${Object.keys(NODE_LTS_NAMES).join(", ")}; or give the major version, e.g. '${22}')`,
      );
    }
    return { kind: "lts-major", alias: spec, major };
  }
  if (/-(nightly|canary|rc)\d*$/i.test(spec) && !semver.valid(spec)) {
    throw new VersionSpecError(
      `'${spec}' asks for a Node.js nightly, canary or rc build, which must be downloaded; gantry runs offline: put the build into the tool cache and ask for its exact version`,
    );
  }
  checkSpec(spec, "Node.js");
  return { kind: "range", spec };
}

/** Picks the candidate a NodeRequest means, and a line describing how an alias was decided. */
export function pickNode(candidates: Candidate[], req: NodeRequest): { chosen?: Candidate; note?: string } {
  const stable = newestFirst(candidates).filter((c) => !semver.prerelease(c.version));
  switch (req.kind) {
    case "range":
      return { chosen: pickHighest(candidates, req.spec) };
    case "newest":
      return {
        chosen: stable[0],
        note: `'${req.alias}': gantry is offline and cannot read nodejs.org's release index, so it takes the newest Node.js on this machine`,
      };
    case "lts": {
      const majors = [...new Set(stable.map((c) => semver.major(c.version)).filter((m) => m % 2 === 0))];
      const major = majors[req.offset];
      return {
        chosen: major === undefined ? undefined : stable.find((c) => semver.major(c.version) === major),
        note: `'${req.alias}': gantry is offline and cannot read nodejs.org's release index, so it takes the ${req.offset ? `${req.offset + 1}th newest` : "newest"} even-numbered major line on this machine as LTS (a new even major enters LTS only in October)`,
      };
    }
    case "lts-major":
      return {
        chosen: stable.find((c) => semver.major(c.version) === req.major),
        note: `'${req.alias}' is Node.js ${req.major}.x`,
      };
  }
}

/** A printable form of the request, for errors. */
export function describeNodeRequest(req: NodeRequest): string {
  switch (req.kind) {
    case "range":
      return req.spec;
    case "lts-major":
      return `${req.alias} (${req.major}.x)`;
    default:
      return req.alias;
  }
}

// ---- Python -------------------------------------------------------------------------------

/**
 * setup-python's spec to semver: `3.13-dev` → `~3.13.0-0`, `3.13.0b2` → `3.13.0-b2`, and with
 * allow-prereleases `3.13` → `~3.13.0-0` (a pre-release counts until the final release exists).
 */
export function pythonSpecToSemver(spec: string, allowPrereleases: boolean): string {
  let out = spec.trim().replace(/^(\d+)\.(\d+)-dev$/, "~$1.$2.0-0");
  out = out.replace(/(\d+\.\d+\.\d+)((?:a|b|rc)\d*)/g, "$1-$2");
  if (allowPrereleases) out = out.replace(/^(\d+)\.(\d+)$/, "~$1.$2.0-0");
  return out;
}

/** A Python version as Python prints it (`3.13.0rc1`) to semver (`3.13.0-rc1`). */
export function pythonVersionToSemver(version: string): string | undefined {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?((?:a|b|rc)\d+)?/.exec(version.trim());
  if (!m) return undefined;
  return `${m[1]}.${m[2]}.${m[3] ?? 0}${m[4] ? `-${m[4]}` : ""}`;
}

/**
 * A PEP 440 specifier (`>=3.9,<3.13`, `~=3.10`, `==3.11.*`) or a Poetry constraint (`^3.11`)
 * as a semver range.
 */
export function pep440ToSemver(spec: string): string {
  const parts = spec
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => {
      const compatible = /^~=\s*(\d+(?:\.\d+)*)$/.exec(p);
      if (compatible) {
        const nums = compatible[1].split(".");
        return nums.length <= 2 ? `^${compatible[1]}` : `~${compatible[1]}`;
      }
      const wildcard = /^==\s*(\d+(?:\.\d+)*)\.\*$/.exec(p);
      if (wildcard) return `${wildcard[1]}.x`;
      const eq = /^===?\s*(.+)$/.exec(p);
      if (eq) return eq[1];
      const notEq = /^!=\s*(.+)$/.exec(p);
      if (notEq) return `<${notEq[1]} || >${notEq[1]}`;
      return p.replace(/\s+/g, "");
    });
  // A `!=` part cannot join an AND in one semver range; drop it rather than mis-read the rest.
  const and = parts.filter((p) => !p.includes("||"));
  return and.join(" ");
}

// ---- Go -----------------------------------------------------------------------------------

/** setup-go's makeSemver: `go1.22.1` → `1.22.1`, `1.22` → `1.22.0`, `1.23rc1` → `1.23.0-rc.1`. */
export function goVersionToSemver(version: string): string | undefined {
  const m = /^(?:go)?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:(beta|rc)(\d+))?$/.exec(version.trim());
  if (!m) return undefined;
  const base = `${m[1]}.${m[2] ?? 0}.${m[3] ?? 0}`;
  return m[4] ? `${base}-${m[4]}.${m[5]}` : base;
}

/** A go-version input as a semver spec: `go1.22.1` and `1.23rc1` are exact, the rest ranges. */
export function goSpecToSemver(spec: string): string {
  const s = spec.trim();
  if (/^go\d/.test(s) || /(beta|rc)\d+$/.test(s)) {
    const v = goVersionToSemver(s);
    if (v) return v;
  }
  return s;
}

// ---- Java ---------------------------------------------------------------------------------

/** A java-version input as setup-java reads it: `-ea` marks early access, `1.8` means 8. */
export function parseJavaSpec(input: string): { spec: string; stable: boolean; latest: boolean } {
  let spec = input.trim();
  if (spec.toLowerCase() === "latest") return { spec: "x", stable: true, latest: true };
  let stable = true;
  if (spec.endsWith("-ea")) {
    spec = spec.slice(0, -3);
    stable = false;
  } else if (spec.includes("-ea.")) {
    spec = spec.replace("-ea.", "+");
    stable = false;
  }
  if (/^1\.\d/.test(spec)) spec = spec.slice(2);
  // JEP 322 versions with four or more numbers: 11.0.9.1 → 11.0.9+1.
  const long = /^(\d+\.\d+\.\d+)\.(\d+)(?:\.\d+)*$/.exec(spec);
  if (long) spec = `${long[1]}+${long[2]}`;
  if (!semver.validRange(spec) && !semver.valid(spec)) {
    throw new VersionSpecError(`'${input}' is not valid SemVer notation for a Java version`);
  }
  return { spec, stable, latest: false };
}

/** A Java tool-cache folder name (`17.0.10-7`, `21.0.1-ea.5`) as semver, and whether it is GA. */
export function javaCacheVersion(name: string): { version: string; stable: boolean } | undefined {
  const stable = !name.includes("-ea");
  const v = name.replace("-ea.", "+").replace(/-ea$/, "").replace("-", "+");
  return semver.valid(v) ? { version: v, stable } : undefined;
}

/** A Java version as the JVM reports it (`17.0.9+9-…`, `1.8.0_392`, `21`) as semver. */
export function javaVersionToSemver(text: string): string | undefined {
  const t = text.trim();
  const legacy = /^1\.(\d+)\.0(?:_(\d+))?/.exec(t);
  if (legacy) return `${legacy[1]}.0.${legacy[2] ?? 0}`;
  const m = /^(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:\.\d+)*(?:\+(\d+))?/.exec(t);
  if (!m) return undefined;
  return `${m[1]}.${m[2] ?? 0}.${m[3] ?? 0}${m[4] ? `+${m[4]}` : ""}`;
}
