// A small client-side router over the History API: real <a href> links (open in a new tab,
// copy, keyboard), handled in place for a plain click.
import { type AnchorHTMLAttributes, type MouseEvent, useEffect, useSyncExternalStore } from "react";

const listeners = new Set<() => void>();

function emit(): void {
  for (const fn of listeners) fn();
}

window.addEventListener("popstate", emit);

export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  if (opts.replace) history.replaceState(null, "", to);
  else history.pushState(null, "", to);
  emit();
  if (!to.includes("#") && !opts.replace) window.scrollTo(0, 0);
}

function subscribe(fn: () => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

const snapshot = () => location.pathname + location.search + location.hash;

export interface Place {
  path: string;
  query: URLSearchParams;
  hash: string;
}

export function useLocation(): Place {
  const href = useSyncExternalStore(subscribe, snapshot);
  const url = new URL(href, location.origin);
  return { path: url.pathname, query: url.searchParams, hash: url.hash };
}

/** The query with some keys set (empty values removed), as a search string. */
export function withQuery(query: URLSearchParams, set: Record<string, string | undefined>): string {
  const next = new URLSearchParams(query);
  for (const [k, v] of Object.entries(set)) {
    if (v === undefined || v === "") next.delete(k);
    else next.set(k, v);
  }
  const s = next.toString();
  return s ? `?${s}` : "";
}

export function Link({ to, onClick, ...rest }: AnchorHTMLAttributes<HTMLAnchorElement> & { to: string }) {
  const click = (e: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
  };
  return <a href={to} onClick={click} {...rest} />;
}

/** Sets the document title while the page is shown. */
export function useTitle(title: string): void {
  useEffect(() => {
    document.title = title ? `${title} · gantry` : "gantry";
  }, [title]);
}
