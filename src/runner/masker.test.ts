import { describe, expect, it } from "vitest";
import { Masker, MaskerCache } from "./masker.js";

// Every case both ways: searched value by value (a job's first texts) and through the alternations.
describe.each([
  ["value by value", 1000],
  ["through alternations", 0],
])("Masker, %s", (_how, scanCalls) => {
  it("returns text unchanged without secrets", () => {
    const m = new Masker(scanCalls);
    expect(m.mask("hello")).toBe("hello");
    m.add("s3cret");
    expect(m.mask("nothing here")).toBe("nothing here");
    expect(m.mask("")).toBe("");
  });

  it("masks every occurrence", () => {
    const m = new Masker(scanCalls);
    m.add("s3cret");
    expect(m.mask("a s3cret and s3cret again")).toBe("a *** and *** again");
  });

  it("ignores empty and whitespace-only values", () => {
    const m = new Masker(scanCalls);
    m.add("");
    m.add("  \t");
    m.add("\n\r\n");
    expect(m.mask("a  \t b\n")).toBe("a  \t b\n");
  });

  it("masks short values too", () => {
    const m = new Masker(scanCalls);
    m.add("x");
    expect(m.mask("xax")).toBe("***a***");
  });

  it("masks a secret containing another one fully", () => {
    const m = new Masker(scanCalls);
    m.add("pass");
    m.add("password123");
    expect(m.mask("password123 / pass")).toBe("*** / ***");
  });

  it("merges overlapping and adjacent secrets into one mask", () => {
    const m = new Masker(scanCalls);
    m.add("abc");
    m.add("cde");
    expect(m.mask("xabcdex")).toBe("x***x");
    m.add("XY");
    expect(m.mask("XYXY-abcXY")).toBe("***-***");
  });

  it("finds overlapping secrets starting inside a longer match", () => {
    const m = new Masker(scanCalls);
    m.add("aaaa");
    m.add("aab");
    expect(m.mask("aaaab!")).toBe("***!");
  });

  it("escapes regex special characters", () => {
    const m = new Masker(scanCalls);
    const secret = "a.b*c+d?e^f$g{1}(h)|i[j]\\k/l-m";
    m.add(secret);
    m.add("$&");
    expect(m.mask(`<${secret}>`)).toBe("<***>");
    expect(m.mask("aXb*c")).toBe("aXb*c");
    expect(m.mask("cost $& more")).toBe("cost *** more");
  });

  it("masks multi-line secrets as a whole and line by line", () => {
    const m = new Masker(scanCalls);
    m.add("line-one\r\n\r\n  \nline-two\n");
    expect(m.mask("x line-one\r\n\r\n  \nline-two\n y")).toBe("x *** y");
    expect(m.mask("only line-two here")).toBe("only *** here");
    expect(m.mask("line-one")).toBe("***");
    expect(m.mask("line-one\r")).toBe("***\r");
  });

  it("picks up values added after masking", () => {
    const m = new Masker(scanCalls);
    m.add("first");
    expect(m.mask("first second")).toBe("*** second");
    m.add("second");
    expect(m.mask("first second")).toBe("*** ***");
  });

  it("merges matches of values that fall in different alternations (hundreds of secrets)", () => {
    const m = new Masker(scanCalls);
    // Long values first in the pattern, the short ones far behind them: several alternations.
    for (let i = 0; i < 300; i++) m.add(`long-secret-${String(i).padStart(3, "0")}-${"q".repeat(60)}`);
    m.add("abc");
    m.add("cde");
    m.add("0-qq");
    const long7 = `long-secret-007-${"q".repeat(60)}`;
    expect(m.mask("xabcdex")).toBe("x***x");
    expect(m.mask(`[${long7}] [abc] [${long7.slice(0, 20)}]`)).toBe(`[***] [***] [${long7.slice(0, 20)}]`);
    // A short value overlapping a long one's end, and one inside it.
    expect(m.mask(`${long7}cde abc${long7}`)).toBe("*** ***");
    expect(m.mask(Buffer.from(`user:${long7}`).toString("base64"))).toMatch(/^[A-Za-z0-9]{0,7}\*\*\*$/);
  });

  it("masks every value added one at a time between lines (held in several alternations)", () => {
    const m = new Masker(scanCalls);
    const values: string[] = [];
    for (let i = 0; i < 200; i++) {
      values.push(`v${i}-${"k".repeat(i % 13)}`);
      m.add(values[i]);
      expect(m.mask(`[${values[i]}] [${values[Math.floor(i / 2)]}]`)).toBe("[***] [***]");
    }
    // Overlapping values registered far apart still merge into one mask.
    m.add("abc");
    expect(m.mask(`xabc${values[7]}x`)).toBe("x***x");
    m.add("7-kkkkkkkde");
    expect(m.mask(`${values[7]}de!`)).toBe("***!");
  });

  it("handles many secrets and lines quickly", () => {
    const m = new Masker(scanCalls);
    for (let i = 0; i < 500; i++) m.add(`token-${i}-${"z".repeat(i % 7)}`);
    const line = "some ordinary build output line without anything secret in it, ".repeat(4);
    const start = performance.now();
    for (let i = 0; i < 20_000; i++) m.mask(line);
    expect(performance.now() - start).toBeLessThan(5_000);
    expect(m.mask("x token-3-zzz y")).toBe("x *** y");
  });
});

describe.each([
  ["value by value", 1000],
  ["through alternations", 0],
])("Masker: encoded forms, as GitHub's runner masks them, %s", (_how, scanCalls) => {
  // Characters that change under every escape: quote, apostrophe, ampersand, angle brackets,
  // percent, slash, backslash, space, a newline-free non-ASCII letter.
  const SECRET = `p@ss"w0rd'&<x>% /\\é-Zq7`;
  const b64 = (s: string | Buffer) => Buffer.from(s).toString("base64");

  it("masks the value's base64 whole, padding included", () => {
    const m = new Masker(scanCalls);
    m.add(SECRET);
    expect(m.mask(b64(SECRET))).toBe("***");
    expect(m.mask(`token=${b64(SECRET)};`)).toBe("token=***;");
    expect(m.mask(Buffer.from(SECRET).toString("base64url"))).toBe("***");
  });

  it("masks base64 of the value inside longer text at each of the three byte offsets", () => {
    const m = new Masker(scanCalls);
    m.add(SECRET);
    const n = Buffer.byteLength(SECRET);
    for (const prefix of ["", "u", "us", "user:", "x-access-token:"]) {
      for (const suffix of ["", "\n", "!", "?!"]) {
        const encoded = b64(prefix + SECRET + suffix);
        const out = m.mask(encoded);
        // Only the characters that also carry bits of the prefix or the suffix may stay.
        const k = Buffer.byteLength(prefix);
        const before = Math.ceil((8 * k) / 6);
        const after = encoded.length - Math.floor((8 * (k + n)) / 6);
        expect(out, JSON.stringify({ prefix, suffix })).toMatch(
          new RegExp(`^[A-Za-z0-9+/=]{0,${before}}\\*\\*\\*[A-Za-z0-9+/=]{0,${after}}$`),
        );
      }
    }
  });

  it("masks the JSON-, URI- and XML-escaped forms and the command line's and expression's escapes", () => {
    const m = new Masker(scanCalls);
    m.add(SECRET);
    const forms = {
      json: JSON.stringify(SECRET).slice(1, -1),
      jsonAscii: JSON.stringify(SECRET).slice(1, -1).replace("é", "\\u00e9"),
      uri: encodeURIComponent(SECRET),
      dotnetUri: encodeURIComponent(SECRET).replace("'", "%27"),
      form: new URLSearchParams({ v: SECRET }).toString().slice(2),
      xml: SECRET.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&apos;"),
      html: SECRET.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#39;"),
      commandLine: SECRET.replace('"', '\\"'),
      expression: SECRET.replace("'", "''"),
    };
    for (const [name, form] of Object.entries(forms)) {
      expect(form, name).not.toBe(SECRET);
      expect(m.mask(`{"${name}": "${form}"}`), name).toBe(`{"${name}": "***"}`);
    }
  });

  it("masks the escaped forms of each line of a multi-line value, and of the whole", () => {
    const m = new Masker(scanCalls);
    m.add('first "line"\nsecond & last');
    expect(m.mask('{"v":"first \\"line\\"\\nsecond & last"}')).toBe('{"v":"***"}');
    expect(m.mask("second%20%26%20last")).toBe("***");
    expect(m.mask("first &quot;line&quot;")).toBe("***");
  });

  it("masks the forms of values added with add-mask later", () => {
    const m = new Masker(scanCalls);
    m.add("early-secret");
    expect(m.mask(b64("late secret!"))).toBe(b64("late secret!"));
    m.add("late secret!");
    expect(m.mask(`${b64("late secret!")} late%20secret!`)).toBe("*** ***");
  });

  it("does not mask the base64 forms of short values, which would hide common text", () => {
    const m = new Masker(scanCalls);
    m.add("ab");
    m.add("x1");
    expect(m.mask("YWI= YW eDE= eD Yes")).toBe("YWI= YW eDE= eD Yes");
    expect(m.mask("ab x1")).toBe("*** ***");
  });

  it("masks a quoted value's inside (over 8 characters) and PowerShell's sections around '&'", () => {
    const m = new Masker(scanCalls);
    m.add('"quoted-value"');
    m.add("part-one&part-two");
    m.add("abc&de");
    expect(m.mask("a quoted-value b")).toBe("a *** b");
    expect(m.mask("part-one& and part-two")).toBe("*** and ***");
    // Both sections shorter than 6 characters: not masked apart.
    expect(m.mask("abc& de")).toBe("abc& de");
  });
});

describe("Masker's two searches", () => {
  it("mask the same, also when a job goes from one to the other with values added between", () => {
    // A small alphabet so values overlap, contain each other and repeat.
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const text = (length: number) => Array.from({ length }, () => "ab$.c\n"[random(7)]).join("");
    for (let round = 0; round < 200; round++) {
      const byValue = new Masker(1000);
      const byAlternation = new Masker(0);
      const switching = new Masker(3);
      for (let i = 0; i < 6; i++) {
        const value = text(1 + random(5));
        for (const m of [byValue, byAlternation, switching]) m.add(value);
        const line = text(30);
        const expected = byAlternation.mask(line);
        expect(byValue.mask(line), `${JSON.stringify(line)}`).toBe(expected);
        expect(switching.mask(line), `${JSON.stringify(line)}`).toBe(expected);
      }
    }
  });
});

describe("MaskerCache", () => {
  it("gives each job a masker of its own with the run's values and their forms, made once per list", () => {
    const cache = new MaskerCache();
    const run = ["s3cr3t-value", "another-one"];
    const first = cache.of(run);
    const second = cache.of(run);
    expect(second).not.toBe(first);
    const b64 = Buffer.from("s3cr3t-value").toString("base64");
    for (const m of [first, second]) {
      expect(m.mask(`a s3cr3t-value b ${b64} c another-one`)).toBe("a *** b *** c ***");
    }
    // What a job adds (its own token, an add-mask) is its own.
    first.add("job-one-token");
    second.add("job-two-token");
    expect(first.mask("job-one-token job-two-token")).toBe("*** job-two-token");
    expect(second.mask("job-one-token job-two-token")).toBe("job-one-token ***");
    expect(cache.of(run).mask("job-one-token job-two-token s3cr3t-value")).toBe(
      "job-one-token job-two-token ***",
    );
  });

  it("never misses a value of a list changed since its masker was made", () => {
    const cache = new MaskerCache();
    const run = ["s3cr3t-value"];
    cache.of(run);
    run.push("added-later");
    expect(cache.of(run).mask("added-later s3cr3t-value")).toBe("*** ***");
    run[0] = "replaced-value";
    expect(cache.of(run).mask("replaced-value s3cr3t-value added-later")).toBe("*** s3cr3t-value ***");
  });

  it("copies a masker that has masked already with what it masks, alternations included", () => {
    const m = new Masker(0);
    m.add("alpha-secret");
    expect(m.mask("x alpha-secret")).toBe("x ***");
    const copy = m.copy();
    copy.add("beta-secret");
    expect(copy.mask("alpha-secret beta-secret")).toBe("*** ***");
    expect(m.mask("alpha-secret beta-secret")).toBe("*** beta-secret");
  });
});
