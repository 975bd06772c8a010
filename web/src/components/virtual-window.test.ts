import { describe, expect, it } from "vitest";
import { scrollToShow, windowOf } from "./virtual-window.js";

describe("the virtual list's window", () => {
  it("renders the rows in view and some either side", () => {
    expect(windowOf(0, 200, 20, 50_000, 5)).toEqual({ start: 0, end: 16, offset: 0, total: 1_000_000 });
    expect(windowOf(10_000, 200, 20, 50_000, 5)).toEqual({
      start: 495,
      end: 516,
      offset: 9_900,
      total: 1_000_000,
    });
  });

  it("stays inside the list at its ends and when it is short or empty", () => {
    const w = windowOf(999_999_999, 200, 20, 50_000, 5);
    expect(w.end).toBe(50_000);
    expect(w.start).toBe(50_000 - 10 - 5);
    expect(windowOf(0, 500, 20, 3)).toEqual({ start: 0, end: 3, offset: 0, total: 60 });
    expect(windowOf(0, 500, 20, 0)).toEqual({ start: 0, end: 0, offset: 0, total: 0 });
    expect(windowOf(-50, 100, 20, 10, 0)).toMatchObject({ start: 0 });
  });

  it("scrolls just enough to show a row, or centres it", () => {
    expect(scrollToShow(5, 0, 200, 20)).toBe(0);
    expect(scrollToShow(20, 0, 200, 20)).toBe(220);
    expect(scrollToShow(2, 200, 200, 20)).toBe(40);
    expect(scrollToShow(100, 0, 200, 20, true)).toBe(2000 - 90);
    expect(scrollToShow(1, 0, 200, 20, true)).toBe(0);
  });
});
