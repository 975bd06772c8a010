import type { Repo } from "../store/index.js";
import type { LoadResult } from "../workflow/index.js";
import { loadPushedWorkflow } from "./pushed-workflows.js";
import type { RepoClones } from "./repo-clones.js";

/** How many commits' workflows (and single files) stay read and parsed. */
export const COMMITS_KEPT = 100;

/** A workflow file of a commit, and what the parser made of it. */
export interface CommitWorkflow {
  file: string;
  content: string;
  loaded: LoadResult;
}

type RepoRef = Pick<Repo, "id" | "owner" | "name">;

/**
 * The workflow files of a commit, read from the server's clone and parsed, for the read-only
 * routes (the workflows list, a run's graph): what a commit holds never changes, so each is read
 * (a few git processes) and parsed once, not on every request as before (5 git processes and a
 * parse of every workflow per load of the UI's runs page). The commits asked last are kept, the
 * oldest dropped past `size`. Callers only read what they get.
 */
export class CommitWorkflows {
  private readonly kept = new Map<string, Promise<unknown>>();

  constructor(
    private readonly clones: Pick<RepoClones, "readWorkflows" | "readFile">,
    private readonly size = COMMITS_KEPT,
  ) {}

  /** Every workflow file of the commit (.github/workflows/*.y(a)ml), parsed. */
  list(repo: RepoRef, sha: string): Promise<CommitWorkflow[]> {
    // None found is not kept either (git may not have answered): the next request reads again.
    return this.remember(`${repo.id}\0${sha}`, async () => {
      const files = await this.clones.readWorkflows(repo, sha);
      if (files.length === 0) throw new Error("no workflows");
      return Promise.all(
        files.map(async (f) => ({ ...f, loaded: await loadPushedWorkflow(f.file, f.content) })),
      );
    }).catch(() => []);
  }

  /** One file of the commit, parsed as a workflow; undefined when the commit has no such file. */
  file(repo: RepoRef, sha: string, file: string): Promise<CommitWorkflow | undefined> {
    // A file git cannot show is not kept: the next request asks git again.
    return this.remember(`${repo.id}\0${sha}\0${file}`, async () => {
      const content = await this.clones.readFile(repo, sha, file);
      return { file, content, loaded: await loadPushedWorkflow(file, content) };
    }).catch(() => undefined);
  }

  /** How many answers it keeps. */
  get remembered(): number {
    return this.kept.size;
  }

  private remember<T>(key: string, read: () => Promise<T>): Promise<T> {
    const known = this.kept.get(key) as Promise<T> | undefined;
    if (known) {
      this.kept.delete(key); // most recently used goes last
      this.kept.set(key, known);
      return known;
    }
    const answer = read();
    this.kept.set(key, answer);
    // A failure (git, the parser's worker stopping) is not kept: the next request reads again.
    answer.then(
      () => {
        while (this.kept.size > this.size) {
          const oldest = this.kept.keys().next().value;
          if (oldest === undefined) break;
          this.kept.delete(oldest);
        }
      },
      () => {
        if (this.kept.get(key) === answer) this.kept.delete(key);
      },
    );
    return answer;
  }
}
