import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import SafeMarkdown from "./SafeMarkdown.js";

const render = (md: string) => renderToStaticMarkup(createElement(SafeMarkdown, null, md));

describe("summary HTML", () => {
  it("pairs <details>/<summary> around the blocks between them", () => {
    const html = render(
      "<details>\n<summary>3 tests failed</summary>\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n</details>\n\nafter",
    );
    expect(html).toMatch(
      /^<details>\s*<summary>3 tests failed<\/summary>\s*<table>.*<td>1<\/td>.*<\/table>\s*<\/details>\s*<p>after<\/p>$/s,
    );
  });

  it("keeps `open` on details and inline tags in a paragraph", () => {
    expect(render("<details open>\n<summary>S</summary>\n\nbody\n\n</details>")).toMatch(
      /^<details open="">\s*<summary>S<\/summary>\s*<p>body<\/p>\s*<\/details>$/,
    );
    expect(render("a <b>bold</b> <kbd>Ctrl</kbd><br>x<sub>2</sub>")).toBe(
      "<p>a <b>bold</b> <kbd>Ctrl</kbd><br/>x<sub>2</sub></p>",
    );
  });

  it("closes what is left open and drops stray closes", () => {
    expect(render("<details>\n<summary>S</summary>\n\nbody")).toMatch(
      /^<details>.*<p>body<\/p><\/details>$/s,
    );
    expect(render("x</b>y")).toBe("<p>xy</p>");
  });

  it("creates no element from hostile or attributed HTML", () => {
    const html = render(
      [
        "<script>alert(1)</script>",
        "",
        "<img src=x onerror=alert(1)>",
        "",
        '<a href="javascript:alert(1)">x</a> [y](javascript:alert(1))',
        "",
        "<style>body{display:none}</style>",
        "",
        "<details ontoggle=alert(1)>",
        "<summary onclick=alert(1)>s</summary>",
        "",
        "<b class=x>c</b> <details open ontoggle=alert(1)>",
      ].join("\n"),
    );
    expect(html).not.toMatch(/<(script|img|style|details|summary)/i);
    expect(html).toContain('<a href="">y</a>');
    expect(html).not.toMatch(/\son\w+=|javascript:|class=/i);
  });

  it("renders known emoji shortcodes, leaves the others and code alone", () => {
    expect(render(":white_check_mark: ok :x: no :nope: `:tada:` :rocket:")).toBe(
      "<p>✅ ok ❌ no :nope: <code>:tada:</code> 🚀</p>",
    );
  });
});
