import type { CSSProperties, ReactNode } from "react";
import { type AnsiStyle, parseAnsi } from "../log/ansi.js";

function styleOf(s: AnsiStyle): { className: string; style?: CSSProperties } {
  const classes: string[] = [];
  const style: CSSProperties = {};
  if (typeof s.fg === "number") classes.push(`ansi-fg-${s.fg}`);
  else if (s.fg) style.color = s.fg;
  if (typeof s.bg === "number") classes.push(`ansi-bg-${s.bg}`);
  else if (s.bg) style.backgroundColor = s.bg;
  if (s.bold) classes.push("ansi-bold");
  if (s.dim) classes.push("ansi-dim");
  if (s.italic) classes.push("ansi-italic");
  if (s.underline) classes.push("ansi-underline");
  return { className: classes.join(" "), ...(Object.keys(style).length ? { style } : {}) };
}

/** Marks each case-insensitive match of `term` in `text`. */
function highlight(text: string, term: string, key: string): ReactNode {
  if (!term) return text;
  const lower = text.toLowerCase();
  const out: ReactNode[] = [];
  let at = 0;
  for (let i = lower.indexOf(term); i >= 0; i = lower.indexOf(term, i + term.length)) {
    if (i > at) out.push(text.slice(at, i));
    out.push(<mark key={`${key}-${i}`}>{text.slice(i, i + term.length)}</mark>);
    at = i + term.length;
  }
  if (at === 0) return text;
  out.push(text.slice(at));
  return out;
}

/** One log line with its ANSI colours (as text: nothing in a log becomes markup), search hits marked. */
export function AnsiLine({ text, term = "" }: { text: string; term?: string }) {
  const spans = parseAnsi(text);
  const t = term.toLowerCase();
  return (
    <>
      {spans.map((s, i) => {
        const { className, style } = styleOf(s.style);
        const body = highlight(s.text, t, String(i));
        return className || style ? (
          <span key={i} className={className} style={style}>
            {body}
          </span>
        ) : (
          <span key={i}>{body}</span>
        );
      })}
    </>
  );
}
