// The server's one way of reading the names, refs and ids a client writes: repository owners and
// names as GitHub takes them, refs as `git check-ref-format` takes them, ids as decimal integers.
// Every route, the config file and the request bodies go through these (never Number() or a regex
// of their own), so `0x1`, `1e3`, `main~0` or `..` get the same answer everywhere.
import { z } from "zod";

/** GitHub's longest owner (user or organisation) and repository names. */
export const MAX_OWNER_LENGTH = 39;
export const MAX_REPO_NAME_LENGTH = 100;

/**
 * Why `value` is not a valid repository owner or name, or undefined when it is: letters, digits,
 * `.`, `-` and `_` only (GitHub's characters), not `.` or `..`, not starting with `-` (git and
 * every tool would take it for an option), at most 39 (owner) or 100 (name) characters.
 */
export function repoNameProblem(value: string, what: "owner" | "name"): string | undefined {
  const max = what === "owner" ? MAX_OWNER_LENGTH : MAX_REPO_NAME_LENGTH;
  if (value.length === 0) return `${what} must not be empty`;
  if (value.length > max) return `${what} must be at most ${max} characters`;
  if (!/^[A-Za-z0-9._-]+$/.test(value)) return `${what} may hold only letters, digits, '.', '-' and '_'`;
  if (value === "." || value === "..") return `${what} must not be '.' or '..'`;
  if (value.startsWith("-")) return `${what} must not start with '-'`;
  return undefined;
}

/** A repository owner (zod, for bodies and the config file). */
export const ownerSchema = z.string().superRefine((value, ctx) => {
  const problem = repoNameProblem(value, "owner");
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

/** A repository name (zod, for bodies and the config file). */
export const repoNameSchema = z.string().superRefine((value, ctx) => {
  const problem = repoNameProblem(value, "name");
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

/** Git has no limit of its own; GitHub refuses refs longer than this. */
export const MAX_REF_LENGTH = 255;

/**
 * Why `ref` is not a ref name as `git check-ref-format --allow-onelevel` takes it (a branch or tag
 * name like `main`, or a full ref like `refs/heads/main`), or undefined when it is one. Also
 * refused: a leading `-` (an option to git) and more than 255 characters. Revision expressions
 * (`main~0`, `HEAD^`, `@{1}`) are not refs.
 */
export function refProblem(ref: string): string | undefined {
  if (ref.length === 0) return "a ref must not be empty";
  if (ref.length > MAX_REF_LENGTH) return `a ref must be at most ${MAX_REF_LENGTH} characters`;
  if (ref.startsWith("-")) return "a ref must not start with '-'";
  if (ref === "@") return "a ref must not be '@'";
  if (/[\u0000-\u001f\u007f ~^:?*[\\]/.test(ref))
    return "a ref must not contain spaces, control characters or any of ~ ^ : ? * [ \\";
  if (ref.includes("..")) return "a ref must not contain '..'";
  if (ref.includes("@{")) return "a ref must not contain '@{'";
  if (ref.startsWith("/") || ref.endsWith("/") || ref.includes("//"))
    return "a ref must not start or end with '/' or contain '//'";
  if (ref.endsWith(".")) return "a ref must not end with '.'";
  for (const part of ref.split("/")) {
    if (part.startsWith(".")) return "no part of a ref may start with '.'";
    if (part.endsWith(".lock")) return "no part of a ref may end with '.lock'";
  }
  return undefined;
}

/** A ref (zod): see refProblem. */
export const refSchema = z.string().superRefine((value, ctx) => {
  const problem = refProblem(value);
  if (problem) ctx.addIssue({ code: "custom", message: `${problem} (got '${value}')` });
});

/**
 * A positive id written in decimal (`42`), else undefined: not `0`, `042`, `0x1`, `1e3`, `+1`,
 * ` 1` or anything past Number.MAX_SAFE_INTEGER.
 */
export function parseId(text: string | undefined): number | undefined {
  if (text === undefined || !/^[1-9][0-9]{0,15}$/.test(text)) return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : undefined;
}

/** An id or page number in a query string (zod): decimal digits only, as parseId. */
export function idQuery(what: string) {
  return z.string().transform((text, ctx) => {
    const value = parseId(text);
    if (value === undefined) {
      ctx.addIssue({ code: "custom", message: `${what} must be a positive decimal integer (got '${text}')` });
      return z.NEVER;
    }
    return value;
  });
}

/** A time as the filters take it: an ISO 8601 date or date-time (UTC unless it says). */
export const isoTime = z
  .string()
  .regex(
    /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/,
    "an ISO 8601 date or time (2026-12-06, 2026-12-06T01:30:00Z)",
  )
  .refine((t) => !Number.isNaN(Date.parse(t)), "not a real date")
  .transform((t) => new Date(Date.parse(t)).toISOString());
