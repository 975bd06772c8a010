import { basename } from "node:path";
import { pep440ToSemver } from "./versions.js";

/**
 * Version files as the setup-* actions read them. Each parser takes the file's name (only
 * its base name matters) and its text and returns the version spec(s) found, or an empty
 * result when the file names none.
 */

/** The value of `key = "value"` inside the TOML `[table]`, by a line-oriented read. */
function tomlValue(text: string, table: string, key: string): string | undefined {
  let current = "";
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/\s+#.*$/, "").trim();
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header) {
      current = header[1].trim();
      continue;
    }
    if (current !== table) continue;
    const m = new RegExp(`^${key.replace(/[.-]/g, "\\$&")}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`).exec(line);
    if (m) return m[1] ?? m[2];
  }
  return undefined;
}

/** asdf's `.tool-versions`: the versions listed for one of `names` (first entry per line). */
function toolVersions(text: string, names: string[]): string[] {
  const out: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const [name, ...versions] = raw.replace(/#.*$/, "").trim().split(/\s+/);
    if (name && names.includes(name) && versions.length) out.push(versions[0]);
  }
  return out;
}

/**
 * setup-node's node-version-file: package.json (`volta.node`, then `engines.node`), else the
 * first line that is `[node|nodejs ]v?VERSION` (.nvmrc, .node-version, .tool-versions), else
 * the whole text.
 */
export function nodeVersionFromFile(text: string): string | undefined {
  let manifest: unknown;
  try {
    manifest = JSON.parse(text);
  } catch {
    manifest = undefined;
  }
  if (manifest && typeof manifest === "object") {
    const m = manifest as { volta?: { node?: unknown }; engines?: { node?: unknown } };
    if (typeof m.volta?.node === "string") return m.volta.node;
    if (typeof m.engines?.node === "string") return m.engines.node;
    return undefined;
  }
  const found = /^(?:node(?:js)?\s+)?v?(?<version>[^\s]+)$/m.exec(text);
  return found?.groups?.version ?? (text.trim() || undefined);
}

/**
 * setup-python's python-version-file: `.tool-versions` (python entries), `pyproject.toml`
 * (`project.requires-python`, else `tool.poetry.dependencies.python`), `Pipfile`
 * (`requires.python_version` / `python_full_version`), else one version per line, `#`
 * comments skipped (.python-version).
 */
export function pythonVersionsFromFile(fileName: string, text: string): string[] {
  const name = basename(fileName);
  if (name === ".tool-versions") {
    return toolVersions(text, ["python"]).map((v) => v.replace(/^python-/, ""));
  }
  if (name.endsWith(".toml")) {
    const spec =
      tomlValue(text, "project", "requires-python") ?? tomlValue(text, "tool.poetry.dependencies", "python");
    return spec ? [pep440ToSemver(spec)] : [];
  }
  if (name === "Pipfile") {
    const spec =
      tomlValue(text, "requires", "python_full_version") ?? tomlValue(text, "requires", "python_version");
    return spec ? [spec] : [];
  }
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
}

/**
 * setup-go's go-version-file: go.mod / go.work (`toolchain goX.Y.Z`, else the `go` line),
 * `.tool-versions` (golang entry), else the whole text (.go-version).
 */
export function goVersionFromFile(fileName: string, text: string): string | undefined {
  const name = basename(fileName);
  if (name === "go.mod" || name === "go.work") {
    const toolchain = /^toolchain\s+go(\d+(?:\.\d+)*(?:(?:rc|beta)\d+)?)\s*$/m.exec(text);
    if (toolchain) return toolchain[1];
    const go = /^go\s+(\d+(?:\.\d+)*)\s*$/m.exec(text);
    return go?.[1];
  }
  if (name === ".tool-versions") return toolVersions(text, ["golang", "go"])[0];
  return text.trim() || undefined;
}

/**
 * setup-java's java-version-file: `.tool-versions` (`java [vendor-]VERSION`), `.sdkmanrc`
 * (`java=VERSION-vendor`), else the first version-looking word (.java-version). `1.8` means 8.
 */
export function javaVersionFromFile(fileName: string, text: string): string | undefined {
  const name = basename(fileName);
  let found: string | undefined;
  if (name === ".tool-versions") {
    found = /^java\s+(?:\S*-)?v?(?<version>\d+(?:\.\d+)?(?:\.\d+)?(?:\+\d+)?(?:-ea(?:\.\d+)?)?)\s*$/m.exec(
      text,
    )?.groups?.version;
  } else if (name === ".sdkmanrc") {
    found = /^java\s*=\s*(?<version>[^-\s]+)/m.exec(text)?.groups?.version;
  } else {
    found = /(?:^|\s|-)(?<version>\d+\S*)(?:\s|$)/.exec(text)?.groups?.version;
  }
  if (!found) return undefined;
  return found.startsWith("1.") ? found.slice(2) : found;
}
