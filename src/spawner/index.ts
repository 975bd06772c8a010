// Starting child processes off the server's event loop (a spawn helper process), and the calls
// that do so when it runs or start them here when it does not; a job's launcher (the compiled
// helper inside its sandbox).
export { Launcher } from "./launcher.js";
export {
  compiledHelperPath,
  ExecFileError,
  execFileProcess,
  type LaunchedProcess,
  type LaunchOptions,
  spawnHelperPid,
  spawnProcess,
  startCompiledSpawnHelper,
  startSpawnHelper,
} from "./spawner.js";
