export {
  isWithin,
  JobSandbox,
  type SandboxedCommand,
  type SandboxLayout,
  sandboxProblem,
} from "./bubblewrap.js";
export { HOME_CREDENTIALS, HOST_ENV_ALLOWED, hostEnvForJobs } from "./host-env.js";
export { asUser, HostAsUser, type JobUser, resolveJobUser } from "./job-user.js";
export {
  type CommandOptions,
  copyInSandbox,
  type ExtraMounts,
  runCommand,
  type Sandbox,
} from "./run-command.js";
