import { repoPath } from "../../api.js";
import { RunnerList } from "../../components/RunnerList.js";

/** The runners tab: the repository's own runner machines (its admins'), and its registration tokens. */
export function Runners({ owner, repo }: { owner: string; repo: string }) {
  return (
    <section aria-labelledby="runners-title">
      <h2 id="runners-title">Runners</h2>
      <p className="muted">
        Runner machines (<code>gantry runner</code>) registered for {owner}/{repo} run its jobs whose{" "}
        <code>runs-on</code> their labels satisfy, and no other repository's. A runner is online while it was
        heard from within the last minute.
      </p>
      <RunnerList
        path={`${repoPath(owner, repo)}/actions/runners`}
        what={`the runners of ${owner}/${repo}`}
      />
    </section>
  );
}
