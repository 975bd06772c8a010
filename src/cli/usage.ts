/**
 * gantry's own words for what node:util's parseArgs refuses (an unknown option, an option without
 * its value, an argument a command does not take), naming the command and where its options are
 * listed; undefined for any other error.
 */
export function parseArgsMessage(err: unknown, command: string): string | undefined {
  const { code, message } = err as { code?: string; message?: string };
  if (typeof code !== "string" || !code.startsWith("ERR_PARSE_ARGS")) return undefined;
  const help = `see gantry ${command} --help`;
  const quoted = /'([^']*)'/.exec(message ?? "")?.[1] ?? "";
  switch (code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return `gantry ${command}: unknown option '${quoted}' (${help})`;
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
      return `gantry ${command}: unexpected argument '${quoted}' (${help})`;
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE": {
      const option = quoted.replace(/ <value>$/, "").replace(/^-\w, /, "");
      return /does not take/.test(message ?? "")
        ? `gantry ${command}: option '${option}' takes no value (${help})`
        : `gantry ${command}: option '${option}' needs a value (${help})`;
    }
    default:
      return `gantry ${command}: ${message} (${help})`;
  }
}
