import { describe, expect, it } from "vitest";
import { Masker } from "./masker.js";

describe("Masker", () => {
  it("returns text unchanged without secrets", () => {
    const m = new Masker();
    expect(m.mask("hello")).toBe("hello");
    m.add("s3cret");
    expect(m.mask("nothing here")).toBe("nothing here");
    expect(m.mask("")).toBe("");
  });

  it("masks every occurrence", () => {
    const m = new Masker();
    m.add("s3cret");
    expect(m.mask("a s3cret and s3cret again")).toBe("a *** and *** again");
  });

  it("ignores empty and whitespace-only values", () => {
    const m = new Masker();
    m.add("");
    m.add("  \t");
    m.add("\n\r\n");
    expect(m.mask("a  \t b\n")).toBe("a  \t b\n");
  });

  it("masks short values too", () => {
    const m = new Masker();
    m.add("x");
    expect(m.mask("xax")).toBe("***a***");
  });

  it("masks a secret containing another one fully", () => {
    const m = new Masker();
    m.add("pass");
    m.add("password123");
    expect(m.mask("password123 / pass")).toBe("*** / ***");
  });

  it("merges overlapping and adjacent secrets into one mask", () => {
    const m = new Masker();
    m.add("abc");
    m.add("cde");
    expect(m.mask("xabcdex")).toBe("x***x");
    m.add("XY");
    expect(m.mask("XYXY-abcXY")).toBe("***-***");
  });

  it("finds overlapping secrets starting inside a longer match", () => {
    const m = new Masker();
    m.add("aaaa");
    m.add("aab");
    expect(m.mask("aaaab!")).toBe("***!");
  });

  it("escapes regex special characters", () => {
    const m = new Masker();
    const secret = "a.b*c+d?e^f$g{1}(h)|i[j]\\k/l-m";
    m.add(secret);
    m.add("$&");
    expect(m.mask(`<${secret}>`)).toBe("<***>");
    expect(m.mask("aXb*c")).toBe("aXb*c");
    expect(m.mask("cost $& more")).toBe("cost *** more");
  });

  it("masks multi-line secrets as a whole and line by line", () => {
    const m = new Masker();
    m.add("line-one\r\n\r\n  \nline-two\n");
    expect(m.mask("x line-one\r\n\r\n  \nline-two\n y")).toBe("x *** y");
    expect(m.mask("only line-two here")).toBe("only *** here");
    expect(m.mask("line-one")).toBe("***");
    expect(m.mask("line-one\r")).toBe("***\r");
  });

  it("picks up values added after masking", () => {
    const m = new Masker();
    m.add("first");
    expect(m.mask("first second")).toBe("*** second");
    m.add("second");
    expect(m.mask("first second")).toBe("*** ***");
  });

  it("handles many secrets and lines quickly", () => {
    const m = new Masker();
    for (let i = 0; i < 500; i++) m.add(`token-${i}-${"z".repeat(i % 7)}`);
    const line = "some ordinary build output line without anything secret in it, ".repeat(4);
    const start = performance.now();
    for (let i = 0; i < 20_000; i++) m.mask(line);
    expect(performance.now() - start).toBeLessThan(5_000);
    expect(m.mask("x token-3-zzz y")).toBe("x *** y");
  });
});
