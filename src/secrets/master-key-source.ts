import { existsSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { MasterKey, MasterKeyError, parseMasterKey, readKeyFile, writeKeyFile } from "./master-key.js";

/** Where the master key came from: GANTRY_MASTER_KEY, or the key file beside the data. */
export interface MasterKeySource {
  key: MasterKey;
  kind: "env" | "file";
  /** The key file (also when the key came from the environment: where it would be). */
  file: string;
  /** True when the key file was made just now (first start). */
  created: boolean;
}

/** The key file in a data directory. */
export function keyFileOf(dataDir: string): string {
  return join(dataDir, "master.key");
}

/**
 * The master key: GANTRY_MASTER_KEY, else the key file. When neither exists, a new key file is
 * made (0600) unless `mustExist` (the database already holds what an earlier key encrypted: a new
 * key would only hide that the old one is lost).
 */
export function loadMasterKey(
  dataDir: string,
  env: NodeJS.ProcessEnv,
  mustExist: string | undefined,
): MasterKeySource {
  const file = keyFileOf(dataDir);
  const given = env.GANTRY_MASTER_KEY;
  if (given !== undefined && given !== "")
    return { key: parseMasterKey(given, "GANTRY_MASTER_KEY"), kind: "env", file, created: false };
  const kept = readKeyFile(file);
  if (kept) return { key: kept, kind: "file", file, created: false };
  // A rotation that stopped after re-encrypting, before its new key file took the old one's place.
  const next = readKeyFile(`${file}.next`);
  if (next && mustExist) return { key: next, kind: "file", file, created: false };
  if (mustExist)
    throw new MasterKeyError(
      `the master key is missing: GANTRY_MASTER_KEY is not set and ${file} does not exist, but the database holds secrets encrypted under master key ${mustExist}. Set GANTRY_MASTER_KEY to that key or put its key file back; gantry will not start with a new key and silently empty secrets`,
    );
  const key = MasterKey.generate();
  writeKeyFile(file, key);
  return { key, kind: "file", file, created: true };
}

/**
 * Other keys that may open what is stored when the given one does not: a rotation's new key (its
 * `.next` file, or GANTRY_NEW_MASTER_KEY) when a rotation stopped part way.
 */
export function fallbackKeys(source: MasterKeySource, env: NodeJS.ProcessEnv): MasterKey[] {
  const keys: MasterKey[] = [];
  const next = readKeyFile(`${source.file}.next`);
  if (next) keys.push(next);
  const newer = env.GANTRY_NEW_MASTER_KEY;
  if (newer) keys.push(parseMasterKey(newer, "GANTRY_NEW_MASTER_KEY"));
  return keys;
}

/**
 * Makes `key` the key file's: written beside it first (`.next`), then moved over it, so a crash
 * leaves one of the two keys in place and the `.next` one is found by fallbackKeys.
 */
export function stageKeyFile(file: string, key: MasterKey): { commit(): void; abandon(): void } {
  const next = `${file}.next`;
  rmSync(next, { force: true });
  writeKeyFile(next, key);
  return {
    commit: () => renameSync(next, file),
    abandon: () => rmSync(next, { force: true }),
  };
}

/** Puts a `.next` key file in place of the key file (a rotation that stopped before its last step). */
export function finishStagedKeyFile(file: string): void {
  if (existsSync(`${file}.next`)) renameSync(`${file}.next`, file);
}
