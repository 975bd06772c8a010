import type { BoxKey, SecretScope, Store, StoredSecret, StoredVariable } from "../store/index.js";
import { StoreError } from "../store/index.js";
import { MasterKey, MasterKeyError, parseMasterKey } from "./master-key.js";
import {
  fallbackKeys,
  finishStagedKeyFile,
  loadMasterKey,
  type MasterKeySource,
  stageKeyFile,
} from "./master-key-source.js";
import {
  environmentNameProblem,
  MAX_SECRET_BYTES,
  MAX_SECRETS,
  MAX_VARIABLE_BYTES,
  MAX_VARIABLES,
  nameProblem,
  normaliseEnvironment,
  normaliseName,
  type ScopeKind,
} from "./names.js";
import { type BoxKeypair, boxKeyId, newBoxKeypair, openSealedBox } from "./sealed-box.js";

/** A request the vault refuses: the HTTP status to answer and the reasons. */
export class SecretsError extends Error {
  constructor(
    readonly status: 404 | 409 | 422,
    message: string,
    readonly errors: string[] = [],
  ) {
    super(message);
    this.name = "SecretsError";
  }
}

/** Where a secret or variable lives, as a route names it. */
export type Scope =
  | { kind: "server" }
  | { kind: "repository"; repoId: number }
  | { kind: "environment"; repoId: number; environment: string };

export interface OpenVaultOptions {
  store: Store;
  /** The server's data directory: the key file is kept in it (master.key). */
  dataDir: string;
  /** GANTRY_MASTER_KEY, GANTRY_NEW_MASTER_KEY. */
  env?: NodeJS.ProcessEnv;
  /** `gantry serve --rotate-master-key`: re-encrypt everything under a new key before serving. */
  rotate?: boolean;
  log?: (message: string) => void;
}

/** A secret's place, bound into its ciphertext (a ciphertext moved to another place does not open). */
function secretPlace(s: SecretScope, name: string): string {
  return `actions secret\0${s.repoId}\0${s.environment}\0${name}`;
}
const boxKeyPlace = (keyId: string) => `sealed-box private key\0${keyId}`;
/** Repository hooks' secrets (server/hook-secret.ts), sealed before the hook has an id. */
const HOOK_PLACE = "repository hook secret";
const JOB_SPEC_PLACE = "job request for a runner machine";

function storeScope(scope: Scope): SecretScope {
  switch (scope.kind) {
    case "server":
      return { repoId: 0, environment: "" };
    case "repository":
      return { repoId: scope.repoId, environment: "" };
    case "environment":
      return { repoId: scope.repoId, environment: normaliseEnvironment(scope.environment) };
  }
}

function kindOf(scope: Scope): ScopeKind {
  return scope.kind;
}

function checkName(raw: string, what: "secret" | "variable"): string {
  const problem = nameProblem(raw, what);
  if (problem) throw new SecretsError(422, "Validation Failed", [`name: ${problem}`]);
  return normaliseName(raw);
}

function checkScope(scope: Scope): void {
  if (scope.kind !== "environment") return;
  const problem = environmentNameProblem(scope.environment);
  if (problem) throw new SecretsError(422, "Validation Failed", [`environment_name: ${problem}`]);
}

/** What a job gets: its `secrets` and `vars` contexts. */
export interface JobSecrets {
  secrets: Record<string, string>;
  vars: Record<string, string>;
}

/**
 * Actions secrets and variables: the sealed-box intake (GitHub's public-key API), encryption at
 * rest under the master key, GitHub's names and limits, and the contexts a job gets.
 */
export class SecretVault {
  private constructor(
    private readonly store: Store,
    private key: MasterKey,
    private readonly box: BoxKeypair & { keyId: string },
    private readonly source: MasterKeySource,
  ) {}

  /** Seals and opens repository hooks' secrets under the master key (server/hook-secret.ts). */
  hookSecrets(): { seal(secret: string): string; open(sealed: string): string } {
    return {
      seal: (secret) => this.key.encrypt(secret, HOOK_PLACE),
      open: (sealed) => this.key.decrypt(sealed, HOOK_PLACE).toString("utf8"),
    };
  }

  /**
   * Seals and opens the request of a job handed to a runner machine (server/remote-jobs.ts): it
   * carries the job's secrets, so the store keeps it only under the master key.
   */
  jobSpecs(): { seal(spec: string): string; open(sealed: string): string } {
    return {
      seal: (spec) => this.key.encrypt(spec, JOB_SPEC_PLACE),
      open: (sealed) => this.key.decrypt(sealed, JOB_SPEC_PLACE).toString("utf8"),
    };
  }

  /**
   * Loads the master key and the sealed-box keypair (made at the first start). A key that does not
   * open what the database holds is a MasterKeyError naming both keys' ids: never empty secrets.
   */
  static async open(opts: OpenVaultOptions): Promise<SecretVault> {
    const env = opts.env ?? process.env;
    const log = opts.log ?? (() => {});
    const stored = await opts.store.getBoxKey();
    const source = loadMasterKey(opts.dataDir, env, stored && MasterKey.keyIdOf(stored.encryptedPrivateKey));
    if (source.created)
      log(`made a new master key in ${source.file} (0600); keep a copy of it somewhere safe`);
    let key = source.key;
    let box: (BoxKeypair & { keyId: string }) | undefined;
    if (stored) {
      const opened = SecretVault.openBoxKey(stored, [key, ...fallbackKeys(source, env)]);
      if (!opened) {
        const from = source.kind === "env" ? "GANTRY_MASTER_KEY" : source.file;
        throw new MasterKeyError(
          `the master key from ${from} (key ${key.id}) does not open the secrets this database holds: they are encrypted under master key ${MasterKey.keyIdOf(stored.encryptedPrivateKey) ?? "unknown"}. Start with the key they were stored under (GANTRY_MASTER_KEY or ${source.file})`,
        );
      }
      if (opened.key !== key) {
        // A rotation stopped after re-encrypting: its new key is the one.
        if (source.kind === "file") finishStagedKeyFile(source.file);
        log(
          `the stored secrets are under master key ${opened.key.id} (a rotation that did not finish): using it${source.kind === "env" ? "; set GANTRY_MASTER_KEY to it" : ""}`,
        );
        key = opened.key;
      }
      box = opened.box;
    } else {
      const made = await newBoxKeypair();
      const keyId = boxKeyId(made.publicKey);
      const kept = await opts.store.addBoxKey({
        keyId,
        publicKey: Buffer.from(made.publicKey).toString("base64"),
        encryptedPrivateKey: key.encrypt(made.privateKey, boxKeyPlace(keyId)),
        createdAt: new Date().toISOString(),
      });
      const opened = SecretVault.openBoxKey(kept, [key]);
      if (!opened)
        throw new MasterKeyError("another server keeps this database's secrets under another master key");
      box = opened.box;
    }
    const vault = new SecretVault(opts.store, key, box, source);
    if (opts.rotate) await vault.rotateMasterKey(env, log);
    return vault;
  }

  private static openBoxKey(
    stored: BoxKey,
    keys: MasterKey[],
  ): { key: MasterKey; box: BoxKeypair & { keyId: string } } | undefined {
    for (const key of keys) {
      try {
        const privateKey = key.decrypt(stored.encryptedPrivateKey, boxKeyPlace(stored.keyId));
        return {
          key,
          box: {
            keyId: stored.keyId,
            publicKey: Buffer.from(stored.publicKey, "base64"),
            privateKey: new Uint8Array(privateKey),
          },
        };
      } catch (err) {
        if (!(err instanceof MasterKeyError)) throw err;
      }
    }
    return undefined;
  }

  /** Set when this start rotated the master key: the keys' ids (not secret) and how much moved. */
  rotation?: { from: string; to: string; secrets: number };

  /** The master key's id (not secret): what the logs and errors name. */
  get masterKeyId(): string {
    return this.key.id;
  }

  /**
   * Re-encrypts everything under a new master key (GANTRY_NEW_MASTER_KEY, else a new random one),
   * in one transaction. A key file is replaced (through `master.key.next`, so a crash leaves a key
   * that opens the database); a key from GANTRY_MASTER_KEY needs its successor in
   * GANTRY_NEW_MASTER_KEY, and the operator sets GANTRY_MASTER_KEY to it for the next start.
   */
  async rotateMasterKey(env: NodeJS.ProcessEnv, log: (m: string) => void): Promise<void> {
    const source = this.source;
    const given = env.GANTRY_NEW_MASTER_KEY;
    if (source.kind === "env" && !given)
      throw new MasterKeyError(
        "--rotate-master-key: the master key comes from GANTRY_MASTER_KEY, so the new one must be given in GANTRY_NEW_MASTER_KEY",
      );
    const next = given ? parseMasterKey(given, "GANTRY_NEW_MASTER_KEY") : MasterKey.generate();
    if (next.id === this.key.id)
      throw new MasterKeyError("--rotate-master-key: the new master key is the current one");
    const old = this.key;
    const staged = source.kind === "file" ? stageKeyFile(source.file, next) : undefined;
    const reseal = (sealed: string, place: string) => next.encrypt(old.decrypt(sealed, place), place);
    let counts: { secrets: number; hooks: number };
    try {
      counts = await this.store.rewriteEncrypted({
        secret: (s) => reseal(s.encryptedValue, secretPlace(s, s.name)),
        boxKey: (k) => reseal(k.encryptedPrivateKey, boxKeyPlace(k.keyId)),
        hookSecret: (h) => reseal(h.secretSealed ?? "", HOOK_PLACE),
      });
    } catch (err) {
      // Nothing was re-encrypted (one transaction): the new key goes.
      staged?.abandon();
      throw err;
    }
    staged?.commit();
    this.key = next;
    this.rotation = { from: old.id, to: next.id, secrets: counts.secrets };
    log(
      `master key rotated: ${old.id} → ${next.id}; ${counts.secrets} secret(s), ${counts.hooks} hook secret(s) and the sealed-box key re-encrypted${source.kind === "file" ? ` (the new key is in ${source.file})` : "; set GANTRY_MASTER_KEY to the value of GANTRY_NEW_MASTER_KEY before the next start"}`,
    );
  }

  /**
   * A key for `purpose` derived from the master key (MasterKey.deriveKey): every server of one
   * database holds the same master key, so they derive the same key and nothing is stored. It
   * changes with the master key (--rotate-master-key), so what it signed before no longer holds.
   */
  deriveKey(purpose: string): Buffer {
    return this.key.deriveKey(purpose);
  }

  /** GitHub's GET …/actions/secrets/public-key. */
  publicKey(): { key_id: string; key: string } {
    return { key_id: this.box.keyId, key: Buffer.from(this.box.publicKey).toString("base64") };
  }

  /**
   * PUT …/secrets/{name}: opens the sealed box, checks GitHub's rules and keeps the value encrypted
   * under the master key. Anything wrong (name, key_id, a box not sealed for the key, size) is a
   * SecretsError and nothing is kept.
   */
  async setSecret(
    scope: Scope,
    rawName: string,
    body: { encrypted_value: string; key_id: string },
  ): Promise<{ name: string; outcome: "created" | "updated" }> {
    checkScope(scope);
    const name = checkName(rawName, "secret");
    if (body.key_id !== this.box.keyId)
      throw new SecretsError(422, "Validation Failed", [
        `key_id: '${body.key_id.slice(0, 40)}' is not the current public key's id (${this.box.keyId}): fetch …/actions/secrets/public-key and seal the value with that key`,
      ]);
    // A sealed box adds 48 bytes; base64 4 characters per 3 bytes: no need to open a bigger one.
    const longest = Math.ceil((MAX_SECRET_BYTES + 48) / 3) * 4;
    if (body.encrypted_value.length > longest)
      throw new SecretsError(422, "Validation Failed", [
        `encrypted_value: secrets are limited to 48 KB (${MAX_SECRET_BYTES} bytes)`,
      ]);
    const opened = await openSealedBox(body.encrypted_value, this.box);
    if ("problem" in opened) throw new SecretsError(422, "Validation Failed", [opened.problem]);
    const value = opened.value;
    try {
      if (value.length === 0)
        throw new SecretsError(422, "Validation Failed", ["encrypted_value: a secret cannot be empty"]);
      if (value.length > MAX_SECRET_BYTES)
        throw new SecretsError(422, "Validation Failed", [
          `encrypted_value: secrets are limited to 48 KB (${MAX_SECRET_BYTES} bytes); this one is ${value.length}`,
        ]);
      let text: string;
      try {
        text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(value);
      } catch {
        throw new SecretsError(422, "Validation Failed", [
          "encrypted_value: the sealed value is not UTF-8 text",
        ]);
      }
      const where = storeScope(scope);
      const existing = await this.store.getSecret(where, name);
      if (!existing) {
        const count = (await this.store.listSecrets(where)).length;
        const limit = MAX_SECRETS[kindOf(scope)];
        if (count >= limit)
          throw new SecretsError(422, "Validation Failed", [
            `a ${kindOf(scope)} can hold at most ${limit} secrets`,
          ]);
      }
      const outcome = await this.store.putSecret(
        where,
        name,
        this.key.encrypt(text, secretPlace(where, name)),
      );
      return { name, outcome };
    } finally {
      value.fill(0);
    }
  }

  /** A scope's secrets: names and dates only (values never leave the vault but for jobs). */
  async listSecrets(scope: Scope): Promise<StoredSecret[]> {
    checkScope(scope);
    return this.store.listSecrets(storeScope(scope));
  }

  async getSecret(scope: Scope, rawName: string): Promise<StoredSecret> {
    checkScope(scope);
    const found = await this.store.getSecret(storeScope(scope), normaliseName(rawName));
    if (!found) throw new SecretsError(404, "Not Found");
    return found;
  }

  async removeSecret(scope: Scope, rawName: string): Promise<string> {
    checkScope(scope);
    const name = normaliseName(rawName);
    if (!(await this.store.removeSecret(storeScope(scope), name))) throw new SecretsError(404, "Not Found");
    return name;
  }

  private static checkValue(value: string): void {
    if (value === "")
      throw new SecretsError(422, "Validation Failed", ["value: a variable's value cannot be empty"]);
    const bytes = Buffer.byteLength(value, "utf8");
    if (bytes > MAX_VARIABLE_BYTES)
      throw new SecretsError(422, "Validation Failed", [
        `value: variables are limited to 48 KB (${MAX_VARIABLE_BYTES} bytes); this one is ${bytes}`,
      ]);
  }

  /** POST …/variables: 409 when the scope has one of that name already. */
  async createVariable(scope: Scope, body: { name: string; value: string }): Promise<StoredVariable> {
    checkScope(scope);
    const name = checkName(body.name, "variable");
    SecretVault.checkValue(body.value);
    const where = storeScope(scope);
    const limit = MAX_VARIABLES[kindOf(scope)];
    if ((await this.store.listVariables(where)).length >= limit)
      throw new SecretsError(422, "Validation Failed", [
        `a ${kindOf(scope)} can hold at most ${limit} variables`,
      ]);
    try {
      return await this.store.createVariable(where, name, body.value);
    } catch (err) {
      if (err instanceof StoreError && err.code === "conflict")
        throw new SecretsError(409, `Variable ${name} already exists`, [`name: ${err.message}`]);
      throw err;
    }
  }

  /** PATCH …/variables/{name}: a new value and/or name. */
  async updateVariable(
    scope: Scope,
    rawName: string,
    body: { name?: string; value?: string },
  ): Promise<string> {
    checkScope(scope);
    const current = normaliseName(rawName);
    const renamed = body.name === undefined ? undefined : checkName(body.name, "variable");
    if (body.value !== undefined) SecretVault.checkValue(body.value);
    try {
      const found = await this.store.updateVariable(storeScope(scope), current, {
        name: renamed,
        value: body.value,
      });
      if (!found) throw new SecretsError(404, "Not Found");
    } catch (err) {
      if (err instanceof StoreError && err.code === "conflict")
        throw new SecretsError(409, `Variable ${renamed} already exists`, [`name: ${err.message}`]);
      throw err;
    }
    return renamed ?? current;
  }

  async listVariables(scope: Scope): Promise<StoredVariable[]> {
    checkScope(scope);
    return this.store.listVariables(storeScope(scope));
  }

  async getVariable(scope: Scope, rawName: string): Promise<StoredVariable> {
    checkScope(scope);
    const found = await this.store.getVariable(storeScope(scope), normaliseName(rawName));
    if (!found) throw new SecretsError(404, "Not Found");
    return found;
  }

  async removeVariable(scope: Scope, rawName: string): Promise<string> {
    checkScope(scope);
    const name = normaliseName(rawName);
    if (!(await this.store.removeVariable(storeScope(scope), name))) throw new SecretsError(404, "Not Found");
    return name;
  }

  /**
   * A job's secrets and variables, as GitHub gives them: an environment's over the repository's
   * over the server-wide ones. `environment`: the job's `environment:` name, when it has one.
   */
  async jobSecrets(repoId: number, environment?: string): Promise<JobSecrets> {
    const scopes: SecretScope[] = [
      { repoId: 0, environment: "" },
      { repoId, environment: "" },
    ];
    if (environment && !environmentNameProblem(environment))
      scopes.push({ repoId, environment: normaliseEnvironment(environment) });
    // Read at once (on PostgreSQL, a round trip each otherwise), then laid over each other by precedence.
    const read = await Promise.all(
      scopes.map((where) => Promise.all([this.store.listSecrets(where), this.store.listVariables(where)])),
    );
    const out: JobSecrets = { secrets: {}, vars: {} };
    for (const [i, [secrets, vars]] of read.entries()) {
      const where = scopes[i];
      for (const s of secrets)
        out.secrets[s.name] = this.key.decrypt(s.encryptedValue, secretPlace(where, s.name)).toString("utf8");
      for (const v of vars) out.vars[v.name] = v.value;
    }
    return out;
  }

  /** The `vars` of a repository's runs (a run's title, run-name, sees them), by precedence. */
  async variablesFor(repoId: number): Promise<Record<string, string>> {
    const [server, repo] = await Promise.all([
      this.store.listVariables({ repoId: 0, environment: "" }),
      this.store.listVariables({ repoId, environment: "" }),
    ]);
    const vars: Record<string, string> = {};
    for (const v of [...server, ...repo]) vars[v.name] = v.value;
    return vars;
  }
}
