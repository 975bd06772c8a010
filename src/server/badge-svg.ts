/** What a workflow's badge says, as GitHub's do. */
export type BadgeStatus = "passing" | "failing" | "no status";

const COLOURS: Record<BadgeStatus, string> = {
  passing: "#2da44e",
  failing: "#cf222e",
  "no status": "#6e7781",
};

/** Text as it may stand in XML, in an attribute or between tags. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** About how wide `text` is in 11px Verdana (the badges' font), in pixels. */
function textWidth(text: string): number {
  let width = 0;
  for (const ch of text)
    width += /[ilj.,:;'|!I1 ]/.test(ch) ? 4 : /[mwMW@]/.test(ch) ? 11 : /[A-Z]/.test(ch) ? 8 : 7;
  return width;
}

/**
 * A status badge: the workflow's name on grey, the status on its colour, as GitHub draws one (a
 * flat two-part shield). Names are escaped and, past 60 characters, shortened; the SVG has no
 * script, link or external reference.
 */
export function badgeSvg(workflow: string, status: BadgeStatus): string {
  const clean = workflow.replace(/[\u0000-\u001f\u007f]/g, " ");
  const label = [...clean].length > 60 ? `${[...clean].slice(0, 59).join("")}…` : clean;
  const left = textWidth(label) + 12;
  const right = textWidth(status) + 12;
  const width = left + right;
  const name = escapeXml(label);
  const title = `${name} - ${status}`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="20" role="img" aria-label="${title}">
<title>${title}</title>
<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>
<clipPath id="r"><rect width="${width}" height="20" rx="3" fill="#fff"/></clipPath>
<g clip-path="url(#r)">
<rect width="${left}" height="20" fill="#555"/>
<rect x="${left}" width="${right}" height="20" fill="${COLOURS[status]}"/>
<rect width="${width}" height="20" fill="url(#s)"/>
</g>
<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">
<text x="${left / 2}" y="15" fill="#010101" fill-opacity=".3">${name}</text>
<text x="${left / 2}" y="14">${name}</text>
<text x="${left + right / 2}" y="15" fill="#010101" fill-opacity=".3">${status}</text>
<text x="${left + right / 2}" y="14">${status}</text>
</g>
</svg>
`;
}
