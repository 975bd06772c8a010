import type { Sandbox } from "../sandbox/index.js";

/**
 * The ports the built-in cache and artifact actions use. src/cache and src/artifacts implement
 * them (on the filesystem now; a content-addressed store and GitHub's protocols later), and the
 * CLI hands the implementations to BuiltInActions.
 */

/** One immutable cache entry, identified by (scope, key, version). */
export interface CacheEntry {
  /** The ref whose runs wrote it, e.g. `refs/heads/main`, `refs/pull/7/merge`. */
  scope: string;
  key: string;
  /** Hash over the `path` input lines and the compression (see cacheVersion). */
  version: string;
  /** Milliseconds since the epoch; among prefix matches the newest wins. */
  createdAt: number;
  /** Bytes the entry takes in the store. */
  size: number;
}

/** What a restore looks for: in each scope in order, `key` exactly then as a prefix, then each restore key. */
export interface CacheQuery {
  scopes: string[];
  key: string;
  restoreKeys: string[];
  version: string;
}

/** Files to save: absolute paths of files, folders and links, stored relative to `workspace` (as @actions/cache). */
export interface CacheFiles {
  workspace: string;
  paths: string[];
  /**
   * Each folder in `paths` brings everything beneath it, which the archiver walks itself (as
   * @actions/cache's tar does); without it `paths` names every entry to save, one by one.
   */
  recursive?: boolean;
  /** The job's sandbox: the archiver reads the files as the job (src/sandbox). */
  sandbox?: Sandbox;
}

export type CacheSaveResult = { saved: true; entry: CacheEntry } | { saved: false; reason: "exists" };

export interface CacheStore {
  /** The compression the store writes with, part of every entry's version (`zstd-without-long`, `gzip`). */
  readonly compression: string;
  /** Finds the entry a restore would use, without restoring it. */
  lookup(query: CacheQuery): Promise<CacheEntry | undefined>;
  /**
   * Finds the entry and extracts it (workspace paths under `workspace`, others where they were),
   * in the job's sandbox when given: an entry's paths are the job's to choose, never the server's.
   */
  restore(query: CacheQuery, workspace: string, sandbox?: Sandbox): Promise<CacheEntry | undefined>;
  /**
   * Saves the files as (scope, key, version), atomically: no partial entry on a crash, and of two
   * saves of one key exactly one wins; the other gets `{ saved: false, reason: "exists" }`.
   */
  save(id: { scope: string; key: string; version: string }, files: CacheFiles): Promise<CacheSaveResult>;
}

/** One artifact of a run. */
export interface ArtifactInfo {
  /** Unique within the run. */
  id: number;
  name: string;
  runId: string;
  /** Total bytes of its files. */
  size: number;
  /** `sha256:` over the sorted file paths and the sha256 of each file. */
  digest: string;
  createdAt: string;
  expiresAt: string;
  /** The run attempt that uploaded it (1 when not said): each attempt keeps its own copy of a name. */
  attempt?: number;
}

export interface ArtifactUpload {
  runId: string;
  name: string;
  /** Absolute paths of the files; each is stored as its path relative to `rootDirectory`. */
  files: string[];
  rootDirectory: string;
  retentionDays: number;
  /** Replace an artifact of the same name instead of failing. */
  overwrite: boolean;
  /** The run attempt uploading it (1 when not said); an earlier attempt's copy of the name is kept. */
  attempt?: number;
}

/** Stable codes of the errors a store raises for bad requests. */
export class ArtifactError extends Error {
  constructor(
    readonly code: "artifact-exists" | "artifact-not-found" | "invalid-name" | "invalid-path",
    message: string,
  ) {
    super(message);
    this.name = "ArtifactError";
  }
}

export interface ArtifactStore {
  /** Stores a new artifact; an existing name fails with `artifact-exists` unless `overwrite`. */
  upload(upload: ArtifactUpload): Promise<ArtifactInfo>;
  /**
   * The run's artifacts that have not expired, by name: of each name the copy of the newest attempt
   * (up to `attempt`, when given).
   */
  list(runId: string, attempt?: number): Promise<ArtifactInfo[]>;
  /** Writes the artifact's files under `destination` (folders made as needed, files replaced). */
  download(runId: string, name: string, destination: string): Promise<ArtifactInfo>;
}

/** Where actions/checkout takes other repositories and submodules from: the action store and its mirror. */
export interface RepositorySource {
  /** A local bare repository holding owner/repo's `ref` (a tag, branch or commit sha), and that commit. */
  gitRepository(owner: string, repo: string, ref: string): Promise<{ gitDir: string; commit: string }>;
  /** owner/repo's default branch, when the mirror names one. */
  defaultBranch(owner: string, repo: string): Promise<string | undefined>;
}
