/**
 * The host variables a job's steps may see. Everything else of the process that starts the job
 * (the server's tokens, webhook secrets, database URL, GANTRY_* settings) stays out of its steps.
 * What GitHub's runner sets (GITHUB_*, RUNNER_*, ACTIONS_*, CI) and the job's own `env` are added
 * by the runner; the config's `runners.env` adds more on purpose.
 */
export const HOST_ENV_ALLOWED = [
  "PATH",
  "HOME",
  "USER",
  "LOGNAME",
  "SHELL",
  "LANG",
  "LANGUAGE",
  "TZ",
  "TERM",
  "http_proxy",
  "https_proxy",
  "no_proxy",
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "NO_PROXY",
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
  "NODE_EXTRA_CA_CERTS",
] as const;

/** `LC_ALL`, `LC_CTYPE` …: the locale, kept with LANG. */
const LOCALE = /^LC_[A-Z]+$/;

/** The allowed part of `env` (the server's own process environment, typically). */
export function hostEnvForJobs(env: NodeJS.ProcessEnv): Record<string, string> {
  const allowed = new Set<string>(HOST_ENV_ALLOWED);
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) continue;
    if (allowed.has(key) || LOCALE.test(key)) out[key] = value;
  }
  return out;
}

/**
 * Where a user's credentials usually are, under their home folder: hidden from sandboxed jobs
 * (the jobs get a HOME of their own; these would still be readable at their real paths).
 */
export const HOME_CREDENTIALS = [
  ".ssh",
  ".gnupg",
  ".aws",
  ".azure",
  ".kube",
  ".docker",
  ".config/gcloud",
  ".config/gh",
  ".netrc",
  ".npmrc",
  ".yarnrc.yml",
  ".pypirc",
  ".git-credentials",
  ".gitconfig",
  ".config/git",
];
