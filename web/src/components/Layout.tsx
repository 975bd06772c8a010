import type { ReactNode } from "react";
import { clearToken } from "../auth.js";
import { useMe } from "../me.js";
import { Link, useLocation } from "../router.js";

/** The page frame: the header with the main links, who is signed in and sign-out, then the page. */
export function Layout({ children }: { children: ReactNode }) {
  const { path } = useLocation();
  const me = useMe();
  const current = (p: string) => (path === p ? "page" : undefined);
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className={me?.site_admin ? "top top-admin" : "top"}>
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
          {me?.site_admin && (
            <>
              <Link to="/admin/users" aria-current={current("/admin/users")}>
                Users
              </Link>
              <Link to="/admin/audit-log" aria-current={current("/admin/audit-log")}>
                Audit log
              </Link>
              <Link to="/admin/runners" aria-current={current("/admin/runners")}>
                Runners
              </Link>
            </>
          )}
        </nav>
        {me && (
          <span className="who" data-testid="signed-in-as">
            <span className="muted">Signed in as</span> <strong>{me.login}</strong>
            {me.site_admin && <span className="label">site admin</span>}
          </span>
        )}
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
