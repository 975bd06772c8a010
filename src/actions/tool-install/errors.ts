/** A tool could not be installed, listed or removed; the message says why and what to do. */
export class ToolInstallError extends Error {
  readonly code = "TOOL_INSTALL";
}
