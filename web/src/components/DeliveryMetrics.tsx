import { api, repoPath } from "../api.js";
import { formatDuration } from "../format.js";
import { useLive } from "../live.js";
import { useData } from "../use-data.js";
import { StatusIcon } from "./StatusIcon.js";

/** GET …/environments/{name}/metrics: DORA's four keys over the last 30 days. */
interface MetricsJson {
  days: number;
  deployments: { succeeded: number; failed: number };
  deployment_frequency: { per_day: number; per_week: number };
  lead_time_for_changes: { changes: number; median_seconds: number | null; p90_seconds: number | null };
  change_failure_rate: number | null;
  time_to_restore: { restored: number; median_seconds: number | null; unrestored_since: string | null };
}

const took = (seconds: number | null) => (seconds === null ? "—" : formatDuration(seconds * 1000));

/** An environment's delivery metrics (DORA) over the last 30 days, as the server computes them. */
export function DeliveryMetrics({ owner, repo, name }: { owner: string; repo: string; name: string }) {
  const path = `${repoPath(owner, repo)}/environments/${encodeURIComponent(name)}/metrics`;
  const { data, reload } = useData(() => api<MetricsJson>(path), path);
  useLive(reload, (e) => e.type === "job:completed" || e.type === "run:completed", 1000);
  if (!data) return null;
  const { deployments: d, lead_time_for_changes: lead, time_to_restore: restore } = data;
  const rate =
    data.deployment_frequency.per_day >= 1
      ? `${data.deployment_frequency.per_day} a day`
      : `${data.deployment_frequency.per_week} a week`;
  const id = `metrics-${name}`;
  return (
    <section aria-labelledby={id} data-testid="delivery-metrics">
      <h3 id={id} className="small">
        Delivery, last {data.days} days
      </h3>
      <dl className="facts card" aria-label={`Delivery metrics of ${name}`}>
        <div>
          <dt>Deployment frequency</dt>
          <dd data-testid="metric-frequency">
            {rate} ({d.succeeded} succeeded, {d.failed} failed)
          </dd>
        </div>
        <div>
          <dt>Lead time for changes</dt>
          <dd data-testid="metric-lead-time">
            {lead.changes === 0
              ? "—"
              : `${took(lead.median_seconds)} median, ${took(lead.p90_seconds)} p90 (${lead.changes} ${lead.changes === 1 ? "change" : "changes"})`}
          </dd>
        </div>
        <div>
          <dt>Change failure rate</dt>
          <dd data-testid="metric-failure-rate">
            {data.change_failure_rate === null ? "—" : `${Math.round(data.change_failure_rate * 100)}%`}
          </dd>
        </div>
        <div>
          <dt>Time to restore</dt>
          <dd data-testid="metric-restore">
            {restore.restored > 0 ? `${took(restore.median_seconds)} median` : "—"}
            {restore.unrestored_since && (
              <>
                {" · "}
                <StatusIcon state="failure" /> failing since{" "}
                <time dateTime={restore.unrestored_since}>
                  {new Date(restore.unrestored_since).toLocaleString()}
                </time>
              </>
            )}
          </dd>
        </div>
      </dl>
    </section>
  );
}
