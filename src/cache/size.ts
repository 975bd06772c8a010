const UNITS: Record<string, number> = { "": 1, B: 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

/**
 * Bytes of a size such as `10GB`, `500 MB`, `1.5G`, `2GiB` or `4096` (units are powers of 1024:
 * K, M, G, T, optionally followed by B or iB). Undefined when the text is not a size.
 */
export function parseSize(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b)?\s*$/i.exec(text);
  if (!m) return undefined;
  if (m[2] === "" && m[3] && m[3].toLowerCase() !== "b") return undefined;
  return Math.round(Number(m[1]) * UNITS[m[2].toUpperCase()]);
}

/** A byte count for people: `512 B`, `1.5 KB`, `10.0 GB` (powers of 1024). */
export function formatSize(bytes: number): string {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}
