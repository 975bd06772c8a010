// ANSI SGR colours in a log line (ESC[…m): turned into styled spans. Other escape sequences
// (cursor moves, OSC titles) are dropped; each line starts unstyled, as GitHub's log view does.

export interface AnsiStyle {
  /** A palette index 0–15 ("ansi-N" classes, themed in CSS) or a CSS colour (256/true colour). */
  fg?: number | string;
  bg?: number | string;
  bold?: boolean;
  dim?: boolean;
  italic?: boolean;
  underline?: boolean;
}

export interface AnsiSpan {
  text: string;
  style: AnsiStyle;
}

// CSI sequences (ESC [ params final) and OSC sequences (ESC ] … BEL or ESC \).
const ESCAPE = /\u001b\[([0-9;:]*)([@-~])|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-_]/g;

/** The xterm 256-colour palette entry n (16–255) as a CSS colour. */
export function xterm256(n: number): string {
  if (n < 16) return `var(--ansi-${n})`;
  if (n >= 232) {
    const v = 8 + (n - 232) * 10;
    return `rgb(${v},${v},${v})`;
  }
  const i = n - 16;
  const level = (x: number) => (x === 0 ? 0 : 55 + x * 40);
  return `rgb(${level(Math.floor(i / 36))},${level(Math.floor(i / 6) % 6)},${level(i % 6)})`;
}

function extended(codes: number[], i: number): { colour?: number | string; next: number } {
  if (codes[i + 1] === 5 && codes[i + 2] !== undefined) {
    const n = codes[i + 2];
    return { colour: n < 16 ? n : xterm256(n), next: i + 2 };
  }
  if (codes[i + 1] === 2 && codes[i + 4] !== undefined) {
    const [r, g, b] = codes.slice(i + 2, i + 5).map((v) => Math.max(0, Math.min(255, v)));
    return { colour: `rgb(${r},${g},${b})`, next: i + 4 };
  }
  return { next: codes.length };
}

/** Applies one SGR parameter list to a style (a copy). */
export function applySgr(style: AnsiStyle, params: string): AnsiStyle {
  const codes = params === "" ? [0] : params.split(/[;:]/).map((p) => (p === "" ? 0 : Number(p)));
  let s: AnsiStyle = { ...style };
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i];
    if (c === 0) s = {};
    else if (c === 1) s.bold = true;
    else if (c === 2) s.dim = true;
    else if (c === 3) s.italic = true;
    else if (c === 4) s.underline = true;
    else if (c === 22) {
      s.bold = undefined;
      s.dim = undefined;
    } else if (c === 23) s.italic = undefined;
    else if (c === 24) s.underline = undefined;
    else if (c >= 30 && c <= 37) s.fg = c - 30;
    else if (c >= 90 && c <= 97) s.fg = c - 90 + 8;
    else if (c === 39) s.fg = undefined;
    else if (c >= 40 && c <= 47) s.bg = c - 40;
    else if (c >= 100 && c <= 107) s.bg = c - 100 + 8;
    else if (c === 49) s.bg = undefined;
    else if (c === 38 || c === 48) {
      const { colour, next } = extended(codes, i);
      if (colour !== undefined) {
        if (c === 38) s.fg = colour;
        else s.bg = colour;
      }
      i = next;
    }
  }
  for (const k of Object.keys(s) as (keyof AnsiStyle)[]) if (s[k] === undefined) delete s[k];
  return s;
}

/** The line as spans of text with their styles (adjacent spans of one style merged). */
export function parseAnsi(line: string): AnsiSpan[] {
  const spans: AnsiSpan[] = [];
  let style: AnsiStyle = {};
  let last = 0;
  const push = (text: string) => {
    if (!text) return;
    const prev = spans[spans.length - 1];
    if (prev && JSON.stringify(prev.style) === JSON.stringify(style)) prev.text += text;
    else spans.push({ text, style });
  };
  ESCAPE.lastIndex = 0;
  for (let m = ESCAPE.exec(line); m; m = ESCAPE.exec(line)) {
    push(line.slice(last, m.index));
    last = m.index + m[0].length;
    if (m[2] === "m") style = applySgr(style, m[1] ?? "");
  }
  push(line.slice(last));
  return spans;
}

/** The line without escape sequences (search, copy). */
export function stripAnsi(line: string): string {
  return line.replace(ESCAPE, "");
}
