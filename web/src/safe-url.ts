/**
 * A link or image address from a job summary, kept only when it goes to the web, a mail address,
 * or a place on this server (relative): no javascript:, data:, vbscript: or other schemes.
 */
export function safeUrl(url: string): string {
  const u = url.trim();
  if (/^(https?:|mailto:)/i.test(u)) return u;
  // Relative (no scheme before the first / ? or #), and not protocol-relative (//host).
  if (!u.startsWith("//") && !/^[^/?#]*:/.test(u)) return u;
  return "";
}
