export { JobSandbox, type SandboxLayout, sandboxProblem } from "./bubblewrap.js";
export { HOME_CREDENTIALS, HOST_ENV_ALLOWED, hostEnvForJobs } from "./host-env.js";
export { type JobUser, resolveJobUser } from "./job-user.js";
export { type CommandOptions, copyInSandbox, runCommand } from "./run-command.js";
export type { ExtraMounts, Sandbox, SandboxedCommand } from "./sandbox.js";
