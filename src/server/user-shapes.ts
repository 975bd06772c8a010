import type { Token, User } from "../store/index.js";
import type { TokenJson, UserJson } from "./user-schemas.js";

/** GitHub's node id of a user: base64 of `04:User{id}`. */
function nodeId(id: number): string {
  return Buffer.from(`04:User${id}`).toString("base64");
}

/**
 * A user as GitHub's API shows one, with the server's URLs (`base`: the server as the client reached
 * it). The email is shown only when `showEmail` (to site admins and to the user themself).
 */
export function userJson(base: string, user: User, showEmail: boolean): UserJson {
  const login = encodeURIComponent(user.login);
  return {
    login: user.login,
    id: user.id,
    node_id: nodeId(user.id),
    avatar_url: "",
    gravatar_id: "",
    url: `${base}/api/v1/users/${login}`,
    html_url: `${base}/users/${login}`,
    type: "User",
    site_admin: user.siteAdmin,
    name: null,
    email: showEmail ? user.email : null,
    created_at: user.createdAt,
    updated_at: user.updatedAt,
    suspended_at: user.suspendedAt,
  };
}

/**
 * A personal access token as GitHub's authorization object; `url` is where it is revoked. Its value
 * is passed only by the route that made it: nothing else has it.
 */
export function tokenJson(base: string, token: Token, owner: User, url: string, value?: string): TokenJson {
  return {
    id: token.id,
    url: `${base}/api/v1${url}`,
    note: token.name,
    note_url: null,
    scopes: token.scopes,
    ...(value === undefined ? {} : { token: value }),
    token_last_eight: token.lastEight,
    created_at: token.createdAt,
    updated_at: token.createdAt,
    expires_at: token.expiresAt,
    user: userJson(base, owner, true),
  };
}
