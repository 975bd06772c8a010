import { z } from "zod";

/**
 * `hooks:` in the server's config: the secrets push notifications and forge webhooks are checked
 * against. Each may come from the environment instead (GANTRY_GIT_HOOK_TOKEN,
 * GANTRY_GITHUB_WEBHOOK_SECRET, GANTRY_GITEA_WEBHOOK_SECRET, GANTRY_GITLAB_WEBHOOK_TOKEN). A forge
 * with no secret has every delivery refused (401); POST /hooks/git without git_token takes any API
 * token.
 */
export const hooksConfig = z
  .object({
    git_token: z.string().min(1).optional(),
    github_secret: z.string().min(1).optional(),
    gitea_secret: z.string().min(1).optional(),
    gitlab_token: z.string().min(1).optional(),
  })
  .default({});

export type HooksConfig = z.infer<typeof hooksConfig>;

/** The config's secrets, the environment's where the config has none. */
export function hookSecrets(
  config: HooksConfig | undefined,
  env: NodeJS.ProcessEnv = process.env,
): HooksConfig {
  return {
    git_token: config?.git_token ?? (env.GANTRY_GIT_HOOK_TOKEN || undefined),
    github_secret: config?.github_secret ?? (env.GANTRY_GITHUB_WEBHOOK_SECRET || undefined),
    gitea_secret: config?.gitea_secret ?? (env.GANTRY_GITEA_WEBHOOK_SECRET || undefined),
    gitlab_token: config?.gitlab_token ?? (env.GANTRY_GITLAB_WEBHOOK_TOKEN || undefined),
  };
}
