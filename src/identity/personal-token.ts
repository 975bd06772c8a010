import type { Store, Token, User } from "../store/index.js";
import { DEFAULT_SCOPES } from "./scopes.js";
import { hashToken, lastEight, newTokenValue, PERSONAL_PREFIX } from "./token-value.js";

export interface PersonalTokenRequest {
  note: string;
  scopes?: readonly string[];
  /** ISO time after which the token is refused; none: it lasts until revoked. */
  expiresAt?: string | null;
}

/**
 * Makes a personal access token for the user: the token's value comes back once, here; the store
 * keeps only its hash and last eight characters. The caller has checked the scopes (scopesProblem).
 */
export async function issuePersonalToken(
  store: Store,
  user: User,
  request: PersonalTokenRequest,
): Promise<{ token: Token; value: string }> {
  const value = newTokenValue(PERSONAL_PREFIX);
  const token = await store.addToken({
    kind: "personal",
    userId: user.id,
    name: request.note,
    hash: hashToken(value),
    lastEight: lastEight(value),
    scopes: [...(request.scopes ?? DEFAULT_SCOPES)],
    expiresAt: request.expiresAt ?? null,
    repoId: null,
    runId: null,
    permissions: null,
  });
  return { token, value };
}
