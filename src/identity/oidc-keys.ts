import { createHash, createPrivateKey, createPublicKey, generateKeyPair, type KeyObject } from "node:crypto";
import { chmodSync, readFileSync, renameSync, writeFileSync } from "node:fs";

/** How long an ID token lasts (GitHub's are good for minutes; gantry's for five). */
export const OIDC_TOKEN_LIFETIME_SECONDS = 300;

/**
 * How long a retired key stays in the JWKS after it signed its last token: the tokens' lifetime,
 * and a minute more for the clocks of those who verify.
 */
const RETIRED_KEY_GRACE_SECONDS = OIDC_TOKEN_LIFETIME_SECONDS + 60;

/** A public RSA key as the JWKS publishes it (RFC 7517). */
export interface PublicJwk {
  kty: "RSA";
  n: string;
  e: string;
  alg: "RS256";
  use: "sig";
  kid: string;
}

/** The key that signs ID tokens now. */
export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
}

/** One key of the key file: the private key (PKCS#8 PEM), when it was made and when it stopped signing. */
interface StoredKey {
  kid: string;
  created_at: string;
  retired_at: string | null;
  private_key: string;
}

interface LoadedKey {
  stored: StoredKey;
  privateKey: KeyObject;
  jwk: PublicJwk;
}

/** The key's id: its RFC 7638 thumbprint (SHA-256 of the public key's e, kty and n), base64url. */
function thumbprint(jwk: { e: string; kty: string; n: string }): string {
  const canonical = JSON.stringify({ e: jwk.e, kty: jwk.kty, n: jwk.n });
  return createHash("sha256").update(canonical).digest("base64url");
}

function publicJwkOf(privateKey: KeyObject): PublicJwk {
  const exported = createPublicKey(privateKey).export({ format: "jwk" });
  const n = String(exported.n);
  const e = String(exported.e);
  return { kty: "RSA", n, e, alg: "RS256", use: "sig", kid: thumbprint({ e, kty: "RSA", n }) };
}

/** A new RSA key, made off the event loop (it takes a good part of a second). */
async function newKey(at: Date): Promise<StoredKey> {
  const privateKey = await new Promise<KeyObject>((resolve, reject) =>
    generateKeyPair("rsa", { modulusLength: 2048 }, (err, _pub, key) => (err ? reject(err) : resolve(key))),
  );
  const pem = privateKey.export({ format: "pem", type: "pkcs8" }).toString();
  return {
    kid: publicJwkOf(privateKey).kid,
    created_at: at.toISOString(),
    retired_at: null,
    private_key: pem,
  };
}

function load(stored: StoredKey): LoadedKey {
  const privateKey = createPrivateKey(stored.private_key);
  if (privateKey.asymmetricKeyType !== "rsa") throw new Error(`key ${stored.kid} is not an RSA key`);
  return { stored, privateKey, jwk: publicJwkOf(privateKey) };
}

/** Whether a retired key may still verify tokens it signed (their lifetime and the grace since). */
function stillPublished(key: StoredKey, at: Date): boolean {
  if (key.retired_at === null) return true;
  return Date.parse(key.retired_at) + RETIRED_KEY_GRACE_SECONDS * 1000 > at.getTime();
}

/**
 * The OIDC issuer's signing keys, kept in one file beside the server's data (0600, only the server
 * reads it; the sandbox hides the data directory from jobs). The first open makes an RSA key;
 * `rotate` makes a new one that signs from then on, and the previous one stays in the JWKS until
 * every token it signed has expired. Keys retired longer ago are dropped from the file. The file is
 * read at once (a bad one is an error then); a new key is made in the background, and what needs it
 * waits for it.
 */
export class OidcKeys {
  private keys: LoadedKey[] = [];
  private readonly ready: Promise<void>;

  private constructor(
    private readonly file: string,
    kept: StoredKey[],
    made: Promise<StoredKey> | undefined,
    changed: boolean,
  ) {
    this.keys = kept.map(load);
    this.ready = (async () => {
      if (made) this.keys.push(load(await made));
      if (changed) this.save();
    })();
    // Said by whatever waits for the keys; never an unhandled rejection meanwhile.
    this.ready.catch(() => undefined);
  }

  static open(file: string, opts: { rotate?: boolean; now?: Date } = {}): OidcKeys {
    const at = opts.now ?? new Date();
    let stored: StoredKey[] = [];
    let text: string | undefined;
    try {
      text = readFileSync(file, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
    if (text !== undefined) {
      try {
        stored = (JSON.parse(text) as { keys: StoredKey[] }).keys;
        if (!Array.isArray(stored)) throw new Error("no keys array");
      } catch (err) {
        throw new Error(`${file}: not an OIDC key file (${(err as Error).message})`);
      }
    }
    const kept = stored.filter((k) => stillPublished(k, at));
    const signing = kept.filter((k) => k.retired_at === null);
    let made: Promise<StoredKey> | undefined;
    if (opts.rotate || signing.length === 0) {
      for (const k of signing) k.retired_at = at.toISOString();
      made = newKey(at);
    }
    return new OidcKeys(file, kept, made, made !== undefined || kept.length !== stored.length);
  }

  /** Writes the key file whole (a new file renamed over the old one), 0600. */
  private save(): void {
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify({ keys: this.keys.map((k) => k.stored) }, null, 2)}\n`, {
      mode: 0o600,
    });
    chmodSync(tmp, 0o600);
    renameSync(tmp, this.file);
  }

  /** The key that signs: the newest one not retired. */
  async current(): Promise<SigningKey> {
    await this.ready;
    const key = this.keys.filter((k) => k.stored.retired_at === null).at(-1);
    if (!key) throw new Error("no OIDC signing key");
    return { kid: key.jwk.kid, privateKey: key.privateKey };
  }

  /** The JWKS document: the signing key and the retired ones whose tokens may not have expired yet. */
  async jwks(at: Date = new Date()): Promise<{ keys: PublicJwk[] }> {
    await this.ready;
    return { keys: this.keys.filter((k) => stillPublished(k.stored, at)).map((k) => k.jwk) };
  }
}
