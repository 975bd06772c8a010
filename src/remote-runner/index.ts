export { defaultRunnerName, RunnerMachine, type RunnerOptions } from "./runner-machine.js";
