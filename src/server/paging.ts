// GitHub's paging of a list: `page` from 1 and `per_page` (default 30, at most 100), the Link
// header to the first, previous, next and last pages of the same query.
import type { Context } from "hono";
import { z } from "zod";
import { idQuery } from "./validate.js";

/** GitHub's most results on a page. */
export const MAX_PER_PAGE = 100;

/**
 * The `page` and `per_page` of a GitHub list (zod fields, spread into the route's query schema).
 * Each is a positive decimal integer, else 422 naming it. A `per_page` above 100 is served as 100,
 * as GitHub documents it ("the value is automatically reduced to the maximum", no error).
 */
export const githubPageFields = {
  page: idQuery("page").default(1),
  per_page: idQuery("per_page")
    .transform((n) => Math.min(n, MAX_PER_PAGE))
    .default(30),
};

/** The items of one page of `all`. */
export function pageOf<T>(all: readonly T[], page: number, perPage: number): T[] {
  return all.slice((page - 1) * perPage, page * perPage);
}

/**
 * GitHub's Link header for page `page` of `total` items at `perPage` a page: prev, next, first and
 * last, each the request's own URL with its `page` set; undefined when every item fits on one page.
 */
export function linkHeader(c: Context, page: number, perPage: number, total: number): string | undefined {
  const last = Math.max(1, Math.ceil(total / perPage));
  const link = (p: number, rel: string) => {
    const url = new URL(c.req.url);
    url.searchParams.set("page", String(p));
    return `<${url}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (page > 1) links.push(link(Math.min(page - 1, last), "prev"));
  if (page < last) links.push(link(page + 1, "next"));
  if (last > 1) links.push(link(1, "first"), link(last, "last"));
  return links.length ? links.join(", ") : undefined;
}

/** Sets GitHub's Link header on the answer (see linkHeader), when there is more than one page. */
export function setLinkHeader(c: Context, page: number, perPage: number, total: number): void {
  const link = linkHeader(c, page, perPage, total);
  if (link) c.header("link", link);
}
