/** How many runs a live stream remembers the repository of. */
export const RUN_REPOS_KEPT = 1000;

/**
 * Each run's repository, as a live stream (SSE) asks it for every event it may send: the runs
 * asked last are remembered (a run never moves), the oldest forgotten past `size`, so a stream
 * left open while 100,000 runs go by holds a thousand entries, not one per run.
 */
export class RunRepoCache {
  private readonly repos = new Map<number, number | undefined>();

  constructor(
    private readonly lookup: (runId: number) => Promise<number | undefined>,
    private readonly size = RUN_REPOS_KEPT,
  ) {}

  /** The run's repository id (undefined: no such run). */
  async repoOf(runId: number): Promise<number | undefined> {
    if (this.repos.has(runId)) return this.repos.get(runId);
    const repoId = await this.lookup(runId);
    this.repos.set(runId, repoId);
    if (this.repos.size > this.size) {
      const oldest = this.repos.keys().next().value;
      if (oldest !== undefined) this.repos.delete(oldest);
    }
    return repoId;
  }

  /** How many runs it remembers. */
  get remembered(): number {
    return this.repos.size;
  }
}
