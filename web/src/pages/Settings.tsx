import { api, type RepoJson, repoPath } from "../api.js";
import { AccessProblem } from "../components/AccessProblem.js";
import { Link, useTitle } from "../router.js";
import { useData } from "../use-data.js";
import { Collaborators } from "./settings/Collaborators.js";
import { Runners } from "./settings/Runners.js";
import { Secrets } from "./settings/Secrets.js";
import { Variables } from "./settings/Variables.js";

export const SETTINGS_TABS = ["collaborators", "secrets", "variables", "runners"] as const;
export type SettingsTab = (typeof SETTINGS_TABS)[number];

const TAB_NAMES: Record<SettingsTab, string> = {
  collaborators: "Collaborators",
  secrets: "Secrets",
  variables: "Variables",
  runners: "Runners",
};

export function settingsHref(owner: string, repo: string, tab: SettingsTab = "collaborators"): string {
  const base = `/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}/settings`;
  return tab === "collaborators" ? base : `${base}/${tab}`;
}

/**
 * A repository's settings: its collaborators, Actions secrets and variables, runners, each a tab. Each tab
 * shows what the API answers the caller: a list, or why not (403, 404) in plain words.
 */
export function Settings({ owner, repo, tab }: { owner: string; repo: string; tab: SettingsTab }) {
  const fullName = `${owner}/${repo}`;
  useTitle(`${TAB_NAMES[tab]} · ${fullName} settings`);
  const info = useData(() => api<RepoJson>(repoPath(owner, repo)), fullName);
  const isAdmin = info.data?.permissions?.admin;
  return (
    <div className="settings">
      <nav className="crumbs" aria-label="Breadcrumbs">
        <Link to={`/runs?repo=${encodeURIComponent(fullName)}`}>{fullName}</Link>
        <span aria-hidden="true"> / </span>
        <span>Settings</span>
      </nav>
      <h1>Settings</h1>
      {info.error ? (
        <AccessProblem error={info.error} what={`repository ${fullName}`} />
      ) : (
        <>
          <nav className="tabs" aria-label="Settings">
            {SETTINGS_TABS.map((t) => (
              <Link key={t} to={settingsHref(owner, repo, t)} aria-current={t === tab ? "page" : undefined}>
                {TAB_NAMES[t]}
              </Link>
            ))}
          </nav>
          {tab === "collaborators" && <Collaborators owner={owner} repo={repo} canManage={isAdmin} />}
          {tab === "secrets" && <Secrets owner={owner} repo={repo} />}
          {tab === "variables" && <Variables owner={owner} repo={repo} />}
          {tab === "runners" && <Runners owner={owner} repo={repo} />}
        </>
      )}
    </div>
  );
}
