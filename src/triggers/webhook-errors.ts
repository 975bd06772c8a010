import type { Json } from "../expressions/index.js";
import { PayloadError } from "./errors.js";
import { num, obj, str } from "./forge-event.js";

/** Reads a required string at a dotted path of the payload; PayloadError naming it when absent. */
export function need(payload: { [key: string]: Json }, path: string): string {
  let at: Json | undefined = payload;
  for (const key of path.split(".")) at = obj(at)[key];
  const value = str(at);
  if (value === undefined || value === "") throw new PayloadError(`payload has no ${path}`);
  return value;
}

/** Reads a required number at a dotted path of the payload. */
export function needNumber(payload: { [key: string]: Json }, path: string): number {
  let at: Json | undefined = payload;
  for (const key of path.split(".")) at = obj(at)[key];
  const value = num(at);
  if (value === undefined) throw new PayloadError(`payload has no ${path} (a number)`);
  return value;
}
