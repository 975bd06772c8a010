import { type FormEvent, useEffect, useState } from "react";
import { apiPage } from "../api.js";
import { AccessProblem } from "../components/AccessProblem.js";
import { Link, navigate, useLocation, useTitle, withQuery } from "../router.js";
import { useData } from "../use-data.js";

/** Entries a page unless the address says (`?per_page=`, up to the API's 100). */
const PER_PAGE = 50;
const FILTERS = ["action", "actor", "repo", "after", "before"] as const;

/** An entry of the audit trail, in the fields of GitHub's audit log. */
export interface AuditEntryJson {
  seq: number;
  /** Milliseconds since 1970. */
  "@timestamp": number;
  action: string;
  actor: string | null;
  actor_id: number | null;
  repo: string | null;
  token_id: number | null;
  actor_ip: string | null;
  details: Record<string, unknown>;
}

interface AuditPage {
  entries: AuditEntryJson[];
  /** Whether there are older entries (GitHub's Link header names a next page). */
  next: boolean;
}

/** A datetime-local field's value (local time) as an ISO time, and back. */
function toIso(local: string): string {
  return local ? new Date(local).toISOString() : "";
}
function toLocal(iso: string | null): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** An entry's details as short `key: value` pairs. */
function detailsText(details: Record<string, unknown>): string {
  return Object.entries(details)
    .map(([k, v]) => `${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(" · ");
}

/** Site admins' page: the audit trail, newest first, filtered by action, actor, repository and time, paged. */
export function AuditLog() {
  useTitle("Audit log");
  const { query } = useLocation();
  const page = Math.max(1, Number(query.get("page")) || 1);
  const perPage = Math.min(100, Math.max(1, Number(query.get("per_page")) || PER_PAGE));
  const params = new URLSearchParams({ per_page: String(perPage), page: String(page) });
  for (const f of FILTERS) {
    const v = query.get(f);
    if (v) params.set(f, v);
  }
  const log = useData(
    () =>
      apiPage<AuditEntryJson[]>(`/audit-log?${params}`).then(
        (p): AuditPage => ({ entries: p.data, next: p.next }),
      ),
    `audit?${params}`,
  );

  const [fields, setFields] = useState<Record<(typeof FILTERS)[number], string>>({
    action: "",
    actor: "",
    repo: "",
    after: "",
    before: "",
  });
  const queryKey = FILTERS.map((f) => query.get(f) ?? "").join("\n");
  // The fields follow the query (back, forward, a link): queryKey stands for its filters.
  useEffect(() => {
    setFields({
      action: query.get("action") ?? "",
      actor: query.get("actor") ?? "",
      repo: query.get("repo") ?? "",
      after: toLocal(query.get("after")),
      before: toLocal(query.get("before")),
    });
  }, [queryKey]);
  const set = (f: (typeof FILTERS)[number]) => (e: { target: { value: string } }) =>
    setFields((now) => ({ ...now, [f]: e.target.value }));

  function submit(e: FormEvent) {
    e.preventDefault();
    navigate(
      `/admin/audit-log${withQuery(new URLSearchParams(), {
        action: fields.action.trim(),
        actor: fields.actor.trim(),
        repo: fields.repo.trim(),
        after: toIso(fields.after),
        before: toIso(fields.before),
        per_page: query.get("per_page") ?? undefined,
      })}`,
    );
  }

  const filtered = FILTERS.some((f) => query.get(f));
  const entries = log.data?.entries ?? [];
  const more = log.data?.next ?? false;

  if (log.error && !log.data) {
    return (
      <div className="admin-page">
        <h1>Audit log</h1>
        <AccessProblem error={log.error} what="the audit log" />
      </div>
    );
  }
  return (
    <div className="admin-page">
      <h1>Audit log</h1>
      <p className="muted">
        Every change made by a person or a token, newest first. The trail is hash-chained and signed:{" "}
        <code>gantry audit export</code> and <code>gantry audit verify</code> prove it whole.
      </p>
      <form className="filters" onSubmit={submit} aria-label="Filter the audit log">
        <div className="filter">
          <label htmlFor="a-action">Action</label>
          <input id="a-action" value={fields.action} onChange={set("action")} placeholder="repo.add_member" />
        </div>
        <div className="filter">
          <label htmlFor="a-actor">Actor</label>
          <input id="a-actor" value={fields.actor} onChange={set("actor")} placeholder="anyone" />
        </div>
        <div className="filter">
          <label htmlFor="a-repo">Repository</label>
          <input id="a-repo" value={fields.repo} onChange={set("repo")} placeholder="owner/name" />
        </div>
        <div className="filter">
          <label htmlFor="a-after">From</label>
          <input id="a-after" type="datetime-local" value={fields.after} onChange={set("after")} />
        </div>
        <div className="filter">
          <label htmlFor="a-before">Until</label>
          <input id="a-before" type="datetime-local" value={fields.before} onChange={set("before")} />
        </div>
        <button type="submit">Filter</button>
        {filtered && (
          <button type="button" onClick={() => navigate("/admin/audit-log")}>
            Clear filters
          </button>
        )}
      </form>
      {log.error && <AccessProblem error={log.error} what="the audit log" />}
      <p className="muted small" aria-live="polite">
        {!log.data
          ? "Loading…"
          : `${entries.length} entr${entries.length === 1 ? "y" : "ies"} on this page${more ? ", older ones on the next" : ""}`}
      </p>
      {log.data && entries.length === 0 && (
        <p className="muted">{filtered ? "No entry matches these filters." : "The trail is empty."}</p>
      )}
      {entries.length > 0 && (
        <div className="table-scroll">
          <table className="card table audit-table" aria-label="Audit log entries">
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Action</th>
                <th scope="col">Actor</th>
                <th scope="col">Repository</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((e) => {
                const at = new Date(e["@timestamp"]);
                return (
                  <tr key={e.seq} data-seq={e.seq}>
                    <td className="nowrap">
                      <time dateTime={at.toISOString()}>{at.toLocaleString()}</time>
                    </td>
                    <td>
                      <code>{e.action}</code>
                    </td>
                    <td>{e.actor ?? <span className="muted">—</span>}</td>
                    <td>{e.repo ?? <span className="muted">—</span>}</td>
                    <td className="details-cell">
                      <span>{detailsText(e.details)}</span>
                      <span className="muted small">
                        {[
                          e.token_id !== null ? `token ${e.token_id}` : "",
                          e.actor_ip ? `from ${e.actor_ip}` : "",
                          `#${e.seq}`,
                        ]
                          .filter(Boolean)
                          .join(" · ")}
                      </span>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {(page > 1 || more) && (
        <nav className="pager" aria-label="Pages">
          {page > 1 ? (
            <Link to={`/admin/audit-log${withQuery(query, { page: String(page - 1) })}`}>← Newer</Link>
          ) : (
            <span />
          )}
          <span className="muted">Page {page}</span>
          {more ? (
            <Link to={`/admin/audit-log${withQuery(query, { page: String(page + 1) })}`}>Older →</Link>
          ) : (
            <span />
          )}
        </nav>
      )}
    </div>
  );
}
