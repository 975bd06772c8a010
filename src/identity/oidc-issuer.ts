import type { Store } from "../store/index.js";
import type { IssuedJobTokens } from "./issued-job-tokens.js";
import { levelAtLeast } from "./job-permissions.js";
import { type OidcJobFacts, type OidcJobSource, oidcClaims, oidcJobFacts } from "./oidc-claims.js";
import { discoveryDocument } from "./oidc-discovery.js";
import type { OidcKeys, PublicJwk } from "./oidc-keys.js";
import { signIdToken } from "./oidc-token.js";
import { resolvePrincipal } from "./principal.js";
import { hashToken, newTokenValue } from "./token-value.js";

/** The prefix of a job's ACTIONS_ID_TOKEN_REQUEST_TOKEN. */
export const OIDC_REQUEST_PREFIX = "gantry_oidc_";

/** A job's standing to ask for ID tokens: what they say of it, and the GITHUB_TOKEN it came with. */
interface Grant {
  facts: OidcJobFacts;
  /** The job's GITHUB_TOKEN (its id): revoked at the job's end, the grant ends with it. */
  jobTokenId: number;
}

/** What a request for an ID token gets: the token, or why not (the caller answers 401). */
export type MintResult = { token: string } | { refused: string };

/**
 * The server as an OpenID Connect issuer for its jobs. A job whose GITHUB_TOKEN grants `id-token:
 * write` (never a fork's: its token only reads) gets a request token of its own while it runs; with
 * it, and only then, it gets ID tokens (JWT, RS256, five minutes) saying which job it is. Request
 * tokens live in this process alone, by hash; the job's end (or its GITHUB_TOKEN revoked) ends them.
 */
export class OidcIssuer {
  private readonly grants = new Map<string, Grant>();

  constructor(
    private readonly o: {
      store: Store;
      keys: OidcKeys;
      /** The issuer's URL (`iss`): the server's public URL. */
      issuer: () => string;
      now?: () => Date;
      /** The job tokens this process issued: a job's is looked up there first as it starts. */
      issued?: IssuedJobTokens;
    },
  ) {}

  get issuer(): string {
    return this.o.issuer();
  }

  discovery(): Record<string, unknown> {
    return discoveryDocument(this.issuer);
  }

  jwks(): Promise<{ keys: PublicJwk[] }> {
    return this.o.keys.jwks(this.now());
  }

  private now(): Date {
    return this.o.now?.() ?? new Date();
  }

  /**
   * The request token of a job starting with this GITHUB_TOKEN, when the token is a live job token
   * of the run that grants `id-token: write`; undefined otherwise (the job gets no variables).
   * `release` ends it (the job has ended). What its ID tokens say of it is read now: the job's
   * github context, and the ids of its repository, owner and actor on this server.
   */
  async grant(
    jobToken: string,
    runId: string,
    job: Omit<OidcJobSource, "repositoryId" | "repositoryOwnerId" | "actorId">,
  ): Promise<{ value: string; release(): void } | undefined> {
    const { store } = this.o;
    const principal = jobToken
      ? await resolvePrincipal(store, jobToken, this.now(), this.o.issued)
      : undefined;
    if (principal?.kind !== "job" || String(principal.runId) !== runId) return undefined;
    if (!levelAtLeast(principal.permissions["id-token"], "write")) return undefined;
    const userId = async (login: unknown) =>
      typeof login === "string" && login ? (await store.getUser(login))?.id : undefined;
    const facts = oidcJobFacts({
      ...job,
      repositoryId: principal.repoId,
      repositoryOwnerId: await userId(job.github.repository_owner),
      actorId: await userId(job.github.actor),
    });
    const value = newTokenValue(OIDC_REQUEST_PREFIX);
    const hash = hashToken(value);
    this.grants.set(hash, { facts, jobTokenId: principal.token.id });
    return { value, release: () => this.grants.delete(hash) };
  }

  /**
   * An ID token for the job holding this request token, for `audience` (default: the owner's URL
   * on this server). Refused once the job has ended, or its GITHUB_TOKEN was revoked.
   */
  async mint(requestToken: string, audience?: string): Promise<MintResult> {
    const hash = hashToken(requestToken);
    const grant = this.grants.get(hash);
    if (!grant) return { refused: "not a request token of a running job" };
    const jobToken = await this.o.store.getToken(grant.jobTokenId);
    if (!jobToken || jobToken.revokedAt !== null) {
      this.grants.delete(hash);
      return { refused: "the job's token was revoked" };
    }
    const claims = oidcClaims(grant.facts, { issuer: this.issuer, audience, now: this.now() });
    return { token: signIdToken(claims, await this.o.keys.current()) };
  }

  /** How many jobs may ask for ID tokens now (tests). */
  get activeGrants(): number {
    return this.grants.size;
  }
}
