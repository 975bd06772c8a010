import type { ReactNode } from "react";
import { clearToken } from "../auth.js";
import { Link, useLocation } from "../router.js";

/** The page frame: the header with the main links and sign-out, then the page. */
export function Layout({ children }: { children: ReactNode }) {
  const { path } = useLocation();
  const current = (p: string) => (path === p ? "page" : undefined);
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <Link to="/" className="brand">
          gantry
        </Link>
        <nav aria-label="Main">
          <Link to="/" aria-current={current("/")}>
            Overview
          </Link>
          <Link to="/runs" aria-current={current("/runs")}>
            Runs
          </Link>
        </nav>
        <button type="button" className="link-button" onClick={() => clearToken()}>
          Sign out
        </button>
      </header>
      <main id="main">{children}</main>
    </>
  );
}

/** A problem loading a page's data, said plainly. */
export function Problem({ error }: { error: Error }) {
  return (
    <p className="problem" role="alert">
      {error.message}
    </p>
  );
}
