import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";

/** A master key that cannot be used, or one that does not open what it is asked to: said at start. */
export class MasterKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MasterKeyError";
  }
}

const FORMAT = "v1";

/**
 * The server's master key: AES-256-GCM over everything kept encrypted at rest (Actions secrets,
 * the sealed-box private key). Each ciphertext says which key made it (the key's id: the start of
 * its SHA-256, which tells nothing of the key) and is bound to its place (the AAD: a secret's
 * scope and name), so a ciphertext copied to another row of the database does not open there.
 */
export class MasterKey {
  /** 8 hex digits naming the key (not secret). */
  readonly id: string;

  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new MasterKeyError(`a master key is 32 bytes, this one is ${key.length}`);
    this.id = createHash("sha256").update("gantry master key id\0").update(key).digest("hex").slice(0, 8);
  }

  static generate(): MasterKey {
    return new MasterKey(randomBytes(32));
  }

  /** The key as GANTRY_MASTER_KEY and the key file hold it: base64 of its 32 bytes. */
  toText(): string {
    return this.key.toString("base64");
  }

  /**
   * A key of its own for `purpose` (HKDF-SHA256 over the master key, 32 bytes): the same on every
   * server that holds this master key, and telling nothing of it or of another purpose's key.
   */
  deriveKey(purpose: string): Buffer {
    return Buffer.from(hkdfSync("sha256", this.key, Buffer.alloc(0), `gantry derived key\0${purpose}`, 32));
  }

  /** `v1:<key id>:<base64 of iv, tag and ciphertext>`, bound to `place`. */
  encrypt(plain: string | Uint8Array, place: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv);
    cipher.setAAD(Buffer.from(place, "utf8"));
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    return `${FORMAT}:${this.id}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64")}`;
  }

  /** The key id a ciphertext names, or undefined when it is not one of these ciphertexts. */
  static keyIdOf(sealed: string): string | undefined {
    const m = /^v1:([0-9a-f]{8}):/.exec(sealed);
    return m?.[1];
  }

  /** Opens a ciphertext of `place`; MasterKeyError when this key did not make it there. */
  decrypt(sealed: string, place: string): Buffer {
    const id = MasterKey.keyIdOf(sealed);
    if (id === undefined) throw new MasterKeyError("not a value encrypted under a master key");
    if (id !== this.id)
      throw new MasterKeyError(`encrypted under master key ${id}, not under this one (${this.id})`);
    const raw = Buffer.from(sealed.slice(FORMAT.length + 10), "base64");
    if (raw.length < 28) throw new MasterKeyError("a truncated ciphertext");
    try {
      const decipher = createDecipheriv("aes-256-gcm", this.key, raw.subarray(0, 12));
      decipher.setAAD(Buffer.from(place, "utf8"));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]);
    } catch {
      throw new MasterKeyError(
        `master key ${this.id} does not open this value (altered, or moved from elsewhere)`,
      );
    }
  }
}

/**
 * A master key as written by a person or a file: base64 of 32 bytes (`openssl rand -base64 32`)
 * or 64 hex digits. `source` names where it came from in the error.
 */
export function parseMasterKey(text: string, source: string): MasterKey {
  const value = text.trim();
  let bytes: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(value)) bytes = Buffer.from(value, "hex");
  else if (/^[A-Za-z0-9+/]{43}=$/.test(value)) bytes = Buffer.from(value, "base64");
  if (bytes?.length !== 32)
    throw new MasterKeyError(
      `${source} is not a master key: expected 32 bytes as base64 (openssl rand -base64 32) or as 64 hex digits`,
    );
  return new MasterKey(bytes);
}

/** The key in `file`, or undefined when there is no such file. */
export function readKeyFile(file: string): MasterKey | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new MasterKeyError(`cannot read the master key file ${file}: ${(err as Error).message}`);
  }
  return parseMasterKey(text, file);
}

/** Writes a new key file, readable by the server's user alone; never over an existing file. */
export function writeKeyFile(file: string, key: MasterKey): void {
  writeFileSync(file, `${key.toText()}\n`, { mode: 0o600, flag: "wx" });
}
