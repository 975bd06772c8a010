import { describe, expect, it } from "vitest";
import { applySgr, parseAnsi, stripAnsi, xterm256 } from "./ansi.js";

const E = "\u001b";

describe("ANSI colours", () => {
  it("splits a line into styled spans and resets", () => {
    expect(parseAnsi(`plain ${E}[31mred${E}[0m done`)).toEqual([
      { text: "plain ", style: {} },
      { text: "red", style: { fg: 1 } },
      { text: " done", style: {} },
    ]);
  });

  it("reads bright, background, bold and combined codes, and partial resets", () => {
    expect(parseAnsi(`${E}[1;92;44mok${E}[22mthin${E}[39;49mx`)).toEqual([
      { text: "ok", style: { bold: true, fg: 10, bg: 4 } },
      { text: "thin", style: { fg: 10, bg: 4 } },
      { text: "x", style: {} },
    ]);
    expect(parseAnsi(`${E}[mnone`)).toEqual([{ text: "none", style: {} }]);
  });

  it("reads 256 and true colours", () => {
    expect(applySgr({}, "38;5;196")).toEqual({ fg: "rgb(255,0,0)" });
    expect(applySgr({}, "38;5;3")).toEqual({ fg: 3 });
    expect(applySgr({}, "48;5;240")).toEqual({ bg: "rgb(88,88,88)" });
    expect(applySgr({}, "38;2;10;20;300")).toEqual({ fg: "rgb(10,20,255)" });
    expect(xterm256(16)).toBe("rgb(0,0,0)");
    expect(xterm256(231)).toBe("rgb(255,255,255)");
  });

  it("drops other escape sequences and keeps text around them", () => {
    expect(stripAnsi(`${E}[2K${E}]0;title${E}\\a${E}[1mb${E}[0m`)).toBe("ab");
    expect(parseAnsi(`${E}[2Kline`)).toEqual([{ text: "line", style: {} }]);
    expect(parseAnsi("")).toEqual([]);
  });

  it("takes a truncated 38 code without throwing", () => {
    expect(applySgr({ bold: true }, "38;5")).toEqual({ bold: true });
  });
});
