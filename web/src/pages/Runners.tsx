import { SiteAdminsOnly } from "../components/AccessProblem.js";
import { RunnerList } from "../components/RunnerList.js";
import { useMe } from "../me.js";
import { useTitle } from "../router.js";

/**
 * Site admins' page: every runner of the server (the built-in pool, the server-wide runner
 * machines and every repository's), what each runs now, removing one, and server-wide
 * registration tokens.
 */
export function Runners() {
  useTitle("Runners");
  const me = useMe();
  return (
    <div className="admin-page">
      <h1>Runners</h1>
      {me && !me.site_admin ? (
        <SiteAdminsOnly what="see the runners of this server" />
      ) : (
        <>
          <p className="muted">
            The server's built-in pool runs jobs on this machine; runner machines (<code>gantry runner</code>)
            pull the jobs whose <code>runs-on</code> their labels satisfy. A runner machine is online while it
            was heard from within the last minute. A token made here registers server-wide runners, which run
            any repository's jobs.
          </p>
          <RunnerList path="/actions/runners" what="the runners of this server" showRepository />
        </>
      )}
    </div>
  );
}
