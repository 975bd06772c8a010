import { createHash, randomBytes } from "node:crypto";

/** The prefixes of gantry's tokens, as GitHub's `ghp_` and `ghs_`: a secret scanner can tell them. */
export const PERSONAL_PREFIX = "gantry_";
export const JOB_PREFIX = "gantry_job_";
/** A runner machine's registration token (one hour, GitHub's), and the credential it registers for. */
export const REGISTRATION_PREFIX = "gantry_reg_";
export const RUNNER_PREFIX = "gantry_runner_";

/** A new token: the prefix and 192 random bits, hex. */
export function newTokenValue(prefix: string): string {
  return `${prefix}${randomBytes(24).toString("hex")}`;
}

/** What the store keeps of a token: its SHA-256, hex. */
export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** The token's last eight characters, to tell tokens apart in a list without showing them. */
export function lastEight(token: string): string {
  return token.slice(-8);
}
