import type { Parent, Root, RootContent, Text } from "mdast";

/**
 * The bit of raw HTML GitHub keeps in a job summary, made safe: `<details>` (with `open`),
 * `<summary>` and simple inline tags become elements with no other attribute; every other tag
 * stays an `html` node (which `skipHtml` drops). Tags pair within one parent (a `<details>` block,
 * the table after it, its `</details>`); one left open wraps the rest of its parent, a stray close
 * is dropped.
 */
const TAG =
  /^<(\/?)(details|summary|b|i|em|strong|code|kbd|sub|sup|br)(\s+open(?:="(?:open)?")?)?\s*(\/?)>$/i;
const ANY_TAG = /<!--[\s\S]*?(?:-->|$)|<\/?[a-zA-Z][^>]*>?/g;
const VOID = new Set(["br"]);

type Token = { open: boolean; name: string; isOpen: boolean; selfClose: boolean };
type Piece = RootContent | Token;

function isToken(p: Piece): p is Token {
  return "name" in p && !("type" in p);
}

/**
 * An `html` node's pieces, if it holds an allowed tag: those tags as tokens, other tags and
 * comments as `html` (dropped), the text between them as text.
 */
function split(value: string): Piece[] | null {
  const out: Piece[] = [];
  let last = 0;
  let found = false;
  for (const m of value.matchAll(ANY_TAG)) {
    const whole = m[0];
    const before = value.slice(last, m.index);
    if (before) out.push(text(before));
    last = m.index + whole.length;
    const allowed = TAG.exec(whole);
    const name = allowed?.[2].toLowerCase() ?? "";
    if (!allowed || (allowed[3] && name !== "details")) {
      out.push({ type: "html", value: whole }); // `open` belongs to details only
      continue;
    }
    found = true;
    const [, close, , open, slash] = allowed;
    out.push({ open: !close, name, isOpen: Boolean(open), selfClose: Boolean(slash) || VOID.has(name) });
  }
  if (!found) return null;
  const rest = value.slice(last);
  if (rest) out.push(text(rest));
  return out;
}

function text(value: string): Text {
  // Raw text between tags: other markup in it stays visible as text (React escapes it).
  return { type: "text", value };
}

function element(name: string, open: boolean): Parent {
  return {
    type: "summaryHtml",
    children: [],
    data: { hName: name, hProperties: open ? { open: true } : {} },
  } as unknown as Parent; // a node type of our own; mdast-util-to-hast renders it by data.hName
}

function pair(parent: Parent): void {
  for (const child of parent.children) if ("children" in child) pair(child);
  const pieces: Piece[] = parent.children.flatMap((c) => (c.type === "html" ? (split(c.value) ?? [c]) : [c]));
  const root: Parent = { type: "root", children: [] } as Root;
  const stack: { name: string; node: Parent }[] = [{ name: "", node: root }];
  for (const p of pieces) {
    const top = stack[stack.length - 1].node;
    if (!isToken(p)) {
      top.children.push(p);
    } else if (p.open) {
      const el = element(p.name, p.isOpen);
      top.children.push(el as RootContent);
      if (!p.selfClose) stack.push({ name: p.name, node: el });
    } else {
      let at = stack.length - 1;
      while (at > 0 && stack[at].name !== p.name) at--;
      if (at > 0) stack.length = at; // closes it (and any left open inside it)
    }
  }
  parent.children = root.children;
}

export function remarkSummaryHtml() {
  return (tree: Root) => pair(tree);
}

/** The shortcodes test reporters use, as GitHub renders them; others stay text. */
export const EMOJI: Record<string, string> = {
  white_check_mark: "✅",
  heavy_check_mark: "✔️",
  check: "✔️",
  x: "❌",
  heavy_multiplication_x: "✖️",
  negative_squared_cross_mark: "❎",
  warning: "⚠️",
  no_entry: "⛔",
  no_entry_sign: "🚫",
  rocket: "🚀",
  tada: "🎉",
  bug: "🐛",
  fire: "🔥",
  sparkles: "✨",
  memo: "📝",
  construction: "🚧",
  hourglass: "⌛",
  hourglass_flowing_sand: "⏳",
  stopwatch: "⏱️",
  information_source: "ℹ️",
  question: "❓",
  exclamation: "❗",
  red_circle: "🔴",
  green_circle: "🟢",
  yellow_circle: "🟡",
  large_blue_circle: "🔵",
  white_circle: "⚪",
  zap: "⚡",
  package: "📦",
  lock: "🔒",
  mag: "🔍",
  chart_with_upwards_trend: "📈",
  chart_with_downwards_trend: "📉",
  thumbsup: "👍",
  "+1": "👍",
  thumbsdown: "👎",
  "-1": "👎",
  skull: "💀",
  recycle: "♻️",
  arrow_right: "➡️",
  fast_forward: "⏩",
  leftwards_arrow_with_hook: "↩️",
  test_tube: "🧪",
  microscope: "🔬",
  clipboard: "📋",
  star: "⭐",
  heart: "❤️",
  gear: "⚙️",
  wrench: "🔧",
  hammer: "🔨",
  boom: "💥",
  rotating_light: "🚨",
  pushpin: "📌",
  link: "🔗",
  clock1: "🕐",
  heavy_minus_sign: "➖",
  heavy_plus_sign: "➕",
  grey_question: "❔",
  grey_exclamation: "❕",
  smile: "😄",
  eyes: "👀",
};

const SHORTCODE = /:([a-z0-9_+-]+):/g;

function emojify(node: Parent): void {
  for (const child of node.children) {
    if (child.type === "text") {
      child.value = child.value.replace(SHORTCODE, (whole, name: string) => EMOJI[name] ?? whole);
    } else if ("children" in child) {
      emojify(child);
    }
  }
}

export function remarkEmoji() {
  return (tree: Root) => emojify(tree);
}
