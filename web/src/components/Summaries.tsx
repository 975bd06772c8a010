import { lazy, Suspense } from "react";
import { api } from "../api.js";
import { useLive } from "../live.js";
import { useData } from "../use-data.js";

interface SummaryJson {
  job_key: string;
  job_name: string;
  step: string | null;
  markdown: string;
}

const SafeMarkdown = lazy(() => import("./SafeMarkdown.js"));

/**
 * The job summaries (GITHUB_STEP_SUMMARY), rendered as GitHub does, safely: Markdown with GFM
 * tables and task lists, raw HTML shown as text (react-markdown never renders it), links checked.
 */
export function Summaries({ base, runId, attempt }: { base: string; runId: number; attempt?: number }) {
  const q = attempt ? `?attempt=${attempt}` : "";
  const { data, reload } = useData(
    () => api<{ summaries: SummaryJson[] }>(`${base}/summaries${q}`),
    `${base}/summaries${q}`,
  );
  useLive(reload, (e) => e.runId === runId && (e.type === "job:summary" || e.type === "run:queued"), 500);
  const list = data?.summaries ?? [];
  if (list.length === 0) return null;
  const byJob = new Map<string, SummaryJson[]>();
  for (const s of list) byJob.set(s.job_name, [...(byJob.get(s.job_name) ?? []), s]);
  return (
    <section aria-labelledby="summaries-title">
      <h2 id="summaries-title">Summaries</h2>
      {[...byJob].map(([job, parts]) => (
        <article key={job} className="card summary">
          <h3>{job} summary</h3>
          <div className="markdown">
            <Suspense fallback={<p className="muted">Loading…</p>}>
              {parts.map((p, i) => (
                <SafeMarkdown key={`${p.step}-${i}`}>{p.markdown}</SafeMarkdown>
              ))}
            </Suspense>
          </div>
        </article>
      ))}
    </section>
  );
}
