import type { Store, Token } from "../store/index.js";

/**
 * The job tokens this process issued whose jobs have not ended, by hash: what a job's services
 * look its GITHUB_TOKEN up in as the job starts (the OIDC grant, the Actions services' binding),
 * rather than reading back from the store the row it wrote a moment before. A token leaves before
 * its job's end revokes it in the store (`forget`, then the revoke); no other path revokes a
 * running job's token on the server that issued it (a crash's recovery and a run's adoption revoke
 * those of jobs that ended with another process). A hash not held here is looked up in the store.
 */
export class IssuedJobTokens {
  private readonly byHash = new Map<string, Token>();

  add(token: Token): void {
    this.byHash.set(token.hash, token);
  }

  forget(token: Token): void {
    this.byHash.delete(token.hash);
  }

  /** The token with this hash: one held here, else the store's (none: undefined). */
  async find(store: Pick<Store, "findToken">, hash: string): Promise<Token | undefined> {
    return this.byHash.get(hash) ?? (await store.findToken(hash));
  }

  /** How many are held (tests). */
  get size(): number {
    return this.byHash.size;
  }
}
