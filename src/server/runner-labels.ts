import { arch, platform } from "node:os";

/** The labels of this machine's runner, as GitHub's self-hosted runner gives them. */
export function defaultLabels(): string[] {
  const os = platform() === "darwin" ? "macOS" : platform() === "win32" ? "Windows" : "Linux";
  const cpu = arch() === "arm64" ? "ARM64" : arch() === "x64" ? "X64" : arch().toUpperCase();
  return ["self-hosted", os, cpu];
}

/** GitHub-hosted labels run here when the OS matches, unless the config maps them otherwise. */
export function defaultLabelMap(): Record<string, string[]> {
  const map: Record<string, string[]> = {};
  for (const l of ["ubuntu-latest", "ubuntu-24.04", "ubuntu-22.04", "ubuntu-20.04"]) map[l] = ["Linux"];
  for (const l of ["macos-latest", "macos-15", "macos-14", "macos-13"]) map[l] = ["macOS"];
  for (const l of ["windows-latest", "windows-2025", "windows-2022"]) map[l] = ["Windows"];
  return map;
}

/** Whether a runner with `labels` takes a job asking for `wanted` (labels compare case-insensitively). */
export function labelsMatch(wanted: string[], labels: string[], map: Record<string, string[]>): boolean {
  const have = new Set(labels.map((l) => l.toLowerCase()));
  const lowerMap = new Map(Object.entries(map).map(([k, v]) => [k.toLowerCase(), v]));
  return wanted.every((w) => (lowerMap.get(w.toLowerCase()) ?? [w]).every((l) => have.has(l.toLowerCase())));
}
