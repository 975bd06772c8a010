import { useState } from "react";
import { api } from "../api.js";
import { getToken } from "../auth.js";
import { useData } from "../use-data.js";

interface ArtifactJson {
  id: number;
  name: string;
  size_in_bytes: number;
  expires_at: string;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

/**
 * The run's artifacts (as at an earlier attempt, when given), each downloadable as a zip (fetched
 * with the token, then saved).
 */
export function Artifacts({
  base,
  runId,
  done,
  attempt,
}: {
  base: string;
  runId: number;
  done: boolean;
  attempt?: number;
}) {
  const at = attempt ? `?attempt=${attempt}` : "";
  const { data } = useData(
    () => api<{ artifacts: ArtifactJson[] }>(`${base}/artifacts${at}`),
    `${base}/artifacts${at}#${runId}:${done}`,
  );
  const [error, setError] = useState<string | null>(null);
  const list = data?.artifacts ?? [];
  if (list.length === 0) return null;
  const download = async (a: ArtifactJson) => {
    setError(null);
    const res = await fetch(`/api/v1${base}/artifacts/${encodeURIComponent(a.name)}/zip${at}`, {
      headers: { authorization: `Bearer ${getToken() ?? ""}` },
    });
    if (!res.ok) {
      setError(`Could not download ${a.name}: HTTP ${res.status}`);
      return;
    }
    const url = URL.createObjectURL(await res.blob());
    const link = document.createElement("a");
    link.href = url;
    link.download = `${a.name}.zip`;
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  };
  return (
    <section className="card artifacts" aria-labelledby="artifacts-title">
      <h2 id="artifacts-title">Artifacts</h2>
      <ul>
        {list.map((a) => (
          <li key={a.id}>
            <button type="button" className="link-button" onClick={() => download(a)}>
              {a.name}
            </button>
            <span className="muted small">{formatBytes(a.size_in_bytes)}</span>
          </li>
        ))}
      </ul>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
