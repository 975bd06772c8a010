export { canonicalJson } from "./canonical-json.js";
export { type AuditCheckpoint, checkpointSigned, signCheckpoint } from "./checkpoint.js";
export { type AuditEntry, entryHash, entryOf, GENESIS_HASH } from "./entry.js";
export { REDACTED, safeDetails, safeUrl } from "./redact.js";
export { keyIdOf, openSigningKey, parsePublicKey, publicKeyText, type SigningKey } from "./signing-key.js";
export { type AuditInput, AuditTrail } from "./trail.js";
export { type TamperKind, type VerifyProblem, type VerifyResult, verifyExport } from "./verify.js";
