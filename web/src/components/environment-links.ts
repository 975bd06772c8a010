/** The repository's Environments page, focused on one environment when named. */
export function environmentsHref(owner: string, repo: string, environment?: string): string {
  const base = `/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}/environments`;
  return environment ? `${base}?environment=${encodeURIComponent(environment)}` : base;
}
