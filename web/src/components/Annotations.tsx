import { api } from "../api.js";
import { useLive } from "../live.js";
import { Link } from "../router.js";
import { useData } from "../use-data.js";

export interface AnnotationJson {
  job_id: number | null;
  job_key: string;
  job_name: string;
  level: string;
  title: string | null;
  message: string;
  path: string | null;
  start_line: number | null;
  start_column: number | null;
}

const LEVEL_LABEL: Record<string, string> = { error: "Error", warning: "Warning", notice: "Notice" };

/** Where an annotation points: file:line:col. */
export function locationOf(a: Pick<AnnotationJson, "path" | "start_line" | "start_column">): string {
  if (!a.path) return "";
  return `${a.path}${a.start_line ? `:${a.start_line}` : ""}${a.start_line && a.start_column ? `:${a.start_column}` : ""}`;
}

/** The run's errors, warnings and notices, each with its job and the file and line it names. */
export function Annotations({
  base,
  runId,
  live,
  attempt,
}: {
  base: string;
  runId: number;
  live: boolean;
  attempt?: number;
}) {
  const q = attempt ? `?attempt=${attempt}` : "";
  const { data, reload } = useData(
    () => api<{ annotations: AnnotationJson[] }>(`${base}/annotations${q}`),
    `${base}/annotations${q}`,
  );
  useLive(
    reload,
    (e) => live && e.runId === runId && (e.type === "job:annotation" || e.type === "run:queued"),
    500,
  );
  const list = data?.annotations ?? [];
  if (list.length === 0) return null;
  const owner = base.split("/")[2];
  const repo = base.split("/")[3];
  return (
    <section className="card annotations" aria-labelledby="annotations-title">
      <h2 id="annotations-title">Annotations</h2>
      <ul>
        {list.map((a, i) => (
          <li key={`${a.job_key}-${i}`} className={`annotation level-${a.level}`}>
            <span className="annotation-level">{LEVEL_LABEL[a.level] ?? a.level}</span>
            <div>
              <div>
                {a.title && <strong>{a.title}: </strong>}
                <span className="annotation-message">{a.message}</span>
              </div>
              <div className="muted small">
                {a.job_id ? <Link to={`/${owner}/${repo}/jobs/${a.job_id}`}>{a.job_name}</Link> : a.job_name}
                {a.path && (
                  <>
                    {" · "}
                    <code>{locationOf(a)}</code>
                  </>
                )}
              </div>
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}
