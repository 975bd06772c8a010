// Actions secrets and configuration variables: GitHub's sealed-box intake, encryption at rest
// under the server's master key, GitHub's names and limits, and what a job gets.
export { MasterKey, MasterKeyError, parseMasterKey } from "./master-key.js";
export { keyFileOf } from "./master-key-source.js";
export {
  environmentNameProblem,
  MAX_SECRET_BYTES,
  MAX_VARIABLE_BYTES,
  nameProblem,
  normaliseEnvironment,
  normaliseName,
} from "./names.js";
export { sealForKey } from "./sealed-box.js";
export { type JobSecrets, type OpenVaultOptions, type Scope, SecretsError, SecretVault } from "./vault.js";
