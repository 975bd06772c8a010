import { useSyncExternalStore } from "react";
import { getToken, onTokenChange } from "./auth.js";
import { Layout } from "./components/Layout.js";
import { AuditLog } from "./pages/AuditLog.js";
import { Dispatch } from "./pages/Dispatch.js";
import { Environments } from "./pages/Environments.js";
import { Home } from "./pages/Home.js";
import { Job } from "./pages/Job.js";
import { Run } from "./pages/Run.js";
import { Runners } from "./pages/Runners.js";
import { Runs } from "./pages/Runs.js";
import { SETTINGS_TABS, Settings, type SettingsTab } from "./pages/Settings.js";
import { SignIn } from "./pages/SignIn.js";
import { Users } from "./pages/Users.js";
import { Link, useLocation } from "./router.js";

const SEGMENT = "([^/]+)";

/**
 * The page for a path: /, /runs, /:owner/:repo/runs/:id, /:owner/:repo/jobs/:id,
 * /:owner/:repo/workflows/:file/dispatch, /:owner/:repo/settings[/:tab], /:owner/:repo/environments
 * (also at GitHub's /:owner/:repo/deployments[/activity_log], where an environment's html_url points);
 * site admins' /admin/users, /admin/audit-log and /admin/runners.
 */
function Page({ path, query }: { path: string; query: URLSearchParams }) {
  if (path === "/") return <Home />;
  if (path === "/runs") return <Runs />;
  if (path === "/admin/users") return <Users />;
  if (path === "/admin/audit-log") return <AuditLog />;
  if (path === "/admin/runners") return <Runners />;
  let m = new RegExp(`^/${SEGMENT}/${SEGMENT}/runs/(\\d+)$`).exec(path);
  if (m) return <Run key={path} owner={m[1]} repo={m[2]} id={Number(m[3])} />;
  m = new RegExp(`^/${SEGMENT}/${SEGMENT}/jobs/(\\d+)$`).exec(path);
  if (m) return <Job key={path} owner={m[1]} repo={m[2]} id={Number(m[3])} />;
  m = new RegExp(`^/${SEGMENT}/${SEGMENT}/workflows/${SEGMENT}/dispatch$`).exec(path);
  if (m) return <Dispatch key={path} owner={m[1]} repo={m[2]} file={decodeURIComponent(m[3])} />;
  m = new RegExp(`^/${SEGMENT}/${SEGMENT}/(environments|deployments(?:/activity_log)?)$`).exec(path);
  if (m) {
    const focus = query.get(m[3] === "environments" ? "environment" : "environments_filter") ?? undefined;
    return <Environments key={`${m[1]}/${m[2]}`} owner={m[1]} repo={m[2]} focus={focus || undefined} />;
  }
  m = new RegExp(`^/${SEGMENT}/${SEGMENT}/settings(?:/(${SETTINGS_TABS.join("|")}))?$`).exec(path);
  if (m) {
    const tab = (m[3] ?? "collaborators") as SettingsTab;
    return <Settings key={`${m[1]}/${m[2]}`} owner={m[1]} repo={m[2]} tab={tab} />;
  }
  return (
    <div>
      <h1>Not found</h1>
      <p>
        There is no page at <code>{path}</code>. <Link to="/">Go to the overview</Link>.
      </p>
    </div>
  );
}

/** The UI: the sign-in page until a token is kept, then the pages. */
export function App() {
  const token = useSyncExternalStore(onTokenChange, getToken);
  const { path, query } = useLocation();
  if (!token) return <SignIn />;
  return (
    <Layout>
      <Page path={decodeURI(path)} query={query} />
    </Layout>
  );
}
