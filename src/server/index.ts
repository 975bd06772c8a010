export { loadServerConfig, parseServerConfig, type ServerConfig } from "./config.js";
export type { ServerContext } from "./context.js";
export { dispatchEvent, repositoryPayload } from "./dispatch-event.js";
export { type JobIsolation, jobIsolation } from "./job-isolation.js";
export { REPORTED, type RemoteJobClaim, type RemoteJobSpec } from "./remote-jobs.js";
export { RUNNER_LOST } from "./run-service.js";
export {
  type ClosableJobServices,
  type GantryServer,
  lockDataDir,
  type ServerStores,
  type StartServerOptions,
  startServer,
} from "./start-server.js";
