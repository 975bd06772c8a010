import { printable } from "./run-refs.js";
import { nameArg, parseScopedCommand, SCOPE_HELP, scopeBase, valueOf } from "./secret-scope.js";
import { ApiError, CLIENT_HELP, reportApiError, ServerClient } from "./server-client.js";
import { textTable } from "./text-table.js";

export const VARIABLE_HELP = `Usage: gantry variable set NAME [--body VALUE] [--env NAME | --server-wide] [options]
       gantry variable list [--env NAME | --server-wide] [options]
       gantry variable rm NAME [--env NAME | --server-wide] [options]

Actions configuration variables (the vars context) on a gantry server: a repository's, an
environment's or the server-wide ones, with the same precedence and names as secrets. They are
not secrets: anyone who manages them sees their values. set creates the variable or changes its
value, read from standard input (one trailing newline dropped) or --body.

  -b, --body VALUE the value (else read from standard input)
${SCOPE_HELP}${CLIENT_HELP}`;

export async function variableCommand(argv: string[]): Promise<number> {
  const parsed = parseScopedCommand(argv, "variable", VARIABLE_HELP);
  if (typeof parsed === "number") return parsed;
  const { values, sub, name } = parsed;
  const client = new ServerClient(values);
  try {
    const { base, where } = await scopeBase(client, values);
    switch (sub) {
      case "set": {
        const variable = nameArg(sub, name, "variable");
        const value = valueOf(values.body, "variable's value");
        let verb = "Set";
        try {
          await client.json("POST", `${base}/variables`, { name: variable, value });
        } catch (err) {
          if (!(err instanceof ApiError && err.status === 409)) throw err;
          await client.json("PATCH", `${base}/variables/${encodeURIComponent(variable)}`, { value });
          verb = "Updated";
        }
        process.stdout.write(`${verb} variable ${variable.toUpperCase()} for ${where}\n`);
        return 0;
      }
      case "list": {
        const list = await client.json("GET", `${base}/variables?per_page=100`);
        if (list.variables.length === 0) {
          process.stdout.write(`No variables for ${where}.\n`);
          return 0;
        }
        const rows = [["NAME", "VALUE", "UPDATED"]];
        for (const v of list.variables) {
          const shown = printable(v.value);
          rows.push([v.name, shown.length > 60 ? `${shown.slice(0, 59)}…` : shown, v.updated_at]);
        }
        process.stdout.write(textTable(rows));
        return 0;
      }
      default: {
        const variable = nameArg(sub, name, "variable");
        await client.json("DELETE", `${base}/variables/${encodeURIComponent(variable)}`);
        process.stdout.write(`Removed variable ${variable.toUpperCase()} from ${where}\n`);
        return 0;
      }
    }
  } catch (err) {
    return reportApiError(err);
  }
}
