export { toolArch } from "../setup-tools/index.js";
export { ToolInstallError } from "./errors.js";
export { type AddToolOptions, addTool, type InstalledTool, listTools, removeTool } from "./install-tool.js";
