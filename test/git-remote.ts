// A working repository pushing to a bare "origin", for tests of what the server sees of pushes.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { git, makeRepo } from "./harness.js";

export interface Remote {
  /** The working clone that commits and pushes. */
  work: string;
  /** The bare repository pushes go to. */
  origin: string;
  /** A fresh path for the server's mirror of origin. */
  mirror: string;
}

/** A bare origin holding `files` on main, and a working clone of it. */
export function makeRemote(files: Record<string, string>): Remote {
  const work = makeRepo({ files });
  const root = mkdtempSync(join(tmpdir(), "gantry-remote-"));
  const origin = join(root, "origin.git");
  git(root, "clone", "-q", "--bare", work, origin);
  git(work, "remote", "add", "origin", origin);
  git(work, "fetch", "-q", "origin");
  git(work, "branch", "-q", "--set-upstream-to=origin/main", "main");
  return { work, origin, mirror: join(root, "mirror.git") };
}

/** Writes the files in the working clone and commits them; returns the commit id. */
export function commitFiles(work: string, files: Record<string, string>, message = "change"): string {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(work, path)), { recursive: true });
    writeFileSync(join(work, path), content);
  }
  git(work, "add", "-A");
  git(work, "commit", "-q", "-m", message);
  return git(work, "rev-parse", "HEAD");
}
