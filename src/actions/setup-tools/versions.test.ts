import { describe, expect, it } from "vitest";
import {
  type Candidate,
  checkSpec,
  goSpecToSemver,
  goVersionToSemver,
  javaCacheVersion,
  javaVersionToSemver,
  parseJavaSpec,
  parseNodeSpec,
  pep440ToSemver,
  pickHighest,
  pickNode,
  pythonSpecToSemver,
  pythonVersionToSemver,
  satisfies,
} from "./versions.js";

const cands = (...versions: string[]): Candidate[] =>
  versions.map((version) => ({ version, dir: `/tc/${version}` }));
const pick = (spec: string, ...versions: string[]) => pickHighest(cands(...versions), spec)?.version;

describe("version specs", () => {
  it("picks the highest version a range allows", () => {
    const all = ["18.19.0", "20.9.0", "20.11.1", "22.1.0", "23.0.0-rc.1"];
    expect(pick("20", ...all)).toBe("20.11.1");
    expect(pick("20.x", ...all)).toBe("20.11.1");
    expect(pick("20.9", ...all)).toBe("20.9.0");
    expect(pick(">=18", ...all)).toBe("22.1.0");
    expect(pick("^18.0.0", ...all)).toBe("18.19.0");
    expect(pick("<20", ...all)).toBe("18.19.0");
    expect(pick("21", ...all)).toBeUndefined();
  });

  it("matches an exact version only to itself, with or without v", () => {
    expect(pick("20.9.0", "20.9.0", "20.11.1")).toBe("20.9.0");
    expect(pick("v20.9.0", "20.9.0", "20.11.1")).toBe("20.9.0");
    expect(pick("20.9.1", "20.9.0", "20.11.1")).toBeUndefined();
  });

  it("compares a Java build number only when the spec has one", () => {
    expect(satisfies("17.0.10+7", "17.0.10+7")).toBe(true);
    expect(satisfies("17.0.10+8", "17.0.10+7")).toBe(false);
    expect(satisfies("17.0.10+8", "17.0.10")).toBe(true);
    expect(pick("17", "17.0.9+9", "17.0.10+7", "21.0.1+12")).toBe("17.0.10+7");
  });

  it("rejects what is neither a version nor a range", () => {
    expect(() => checkSpec("twenty", "Node.js")).toThrow("'twenty' is not a valid Node.js version");
    expect(() => checkSpec(">=18", "Node.js")).not.toThrow();
  });
});

describe("Node.js aliases decided offline", () => {
  const all = cands("16.20.2", "18.19.0", "20.11.1", "21.7.0", "22.1.0", "23.1.0");
  const chosen = (spec: string) => pickNode(all, parseNodeSpec(spec)).chosen?.version;

  it("takes latest/current/node as the newest on this machine, saying so", () => {
    expect(chosen("latest")).toBe("23.1.0");
    expect(chosen("node")).toBe("23.1.0");
    expect(pickNode(all, parseNodeSpec("current")).note).toContain("offline");
  });

  it("takes lts/* as the newest even major line, lts/-1 the one before, and knows code names", () => {
    expect(chosen("lts/*")).toBe("22.1.0");
    expect(chosen("lts/-1")).toBe("20.11.1");
    expect(chosen("lts/-2")).toBe("18.19.0");
    expect(chosen("lts/iron")).toBe("20.11.1");
    expect(chosen("lts/Hydrogen")).toBe("18.19.0");
    expect(chosen("lts/jod")).toBe("22.1.0");
    expect(chosen("lts/krypton")).toBeUndefined();
  });

  it("refuses unknown code names and channels that need a download", () => {
    expect(() => parseNodeSpec("lts/nonesuch")).toThrow("Unknown Node.js LTS code name 'nonesuch'");
    expect(() => parseNodeSpec("20-nightly")).toThrow("nightly, canary or rc");
    expect(() => parseNodeSpec("banana")).toThrow("not a valid Node.js version");
  });
});

describe("Python", () => {
  it("turns setup-python specs into semver", () => {
    expect(pythonSpecToSemver("3.13-dev", false)).toBe("~3.13.0-0");
    expect(pythonSpecToSemver("3.13.0b2", false)).toBe("3.13.0-b2");
    expect(pythonSpecToSemver("3.13", true)).toBe("~3.13.0-0");
    expect(pythonSpecToSemver("3.13", false)).toBe("3.13");
    expect(pick(pythonSpecToSemver("3.13", true), "3.12.1", "3.13.0-rc.1")).toBe("3.13.0-rc.1");
    expect(pick(pythonSpecToSemver("3.13", false), "3.12.1", "3.13.0-rc.1")).toBeUndefined();
  });

  it("reads versions as Python prints them", () => {
    expect(pythonVersionToSemver("3.11.2")).toBe("3.11.2");
    expect(pythonVersionToSemver("3.13.0rc1")).toBe("3.13.0-rc1");
    expect(pythonVersionToSemver("3.12")).toBe("3.12.0");
    expect(pythonVersionToSemver("Python")).toBeUndefined();
  });

  it("turns PEP 440 and Poetry constraints into ranges", () => {
    expect(pep440ToSemver(">=3.9,<3.13")).toBe(">=3.9 <3.13");
    expect(pep440ToSemver("~=3.10")).toBe("^3.10");
    expect(pep440ToSemver("~=3.10.2")).toBe("~3.10.2");
    expect(pep440ToSemver("==3.11.*")).toBe("3.11.x");
    expect(pep440ToSemver("^3.11")).toBe("^3.11");
    expect(pick(pep440ToSemver(">=3.9,<3.12"), "3.8.18", "3.11.9", "3.12.3")).toBe("3.11.9");
  });
});

describe("Go", () => {
  it("reads Go's version names as setup-go's makeSemver", () => {
    expect(goVersionToSemver("go1.22.1")).toBe("1.22.1");
    expect(goVersionToSemver("1.22")).toBe("1.22.0");
    expect(goVersionToSemver("1.23rc1")).toBe("1.23.0-rc.1");
    expect(goVersionToSemver("1.21beta2")).toBe("1.21.0-beta.2");
    expect(goSpecToSemver("go1.22.1")).toBe("1.22.1");
    expect(goSpecToSemver("1.22.x")).toBe("1.22.x");
    expect(pick(goSpecToSemver("1.22"), "1.21.9", "1.22.0", "1.22.5", "1.23.0")).toBe("1.22.5");
  });
});

describe("Java", () => {
  it("reads java-version inputs as setup-java does", () => {
    expect(parseJavaSpec("17")).toEqual({ spec: "17", stable: true, latest: false });
    expect(parseJavaSpec("1.8")).toEqual({ spec: "8", stable: true, latest: false });
    expect(parseJavaSpec("21-ea")).toEqual({ spec: "21", stable: false, latest: false });
    expect(parseJavaSpec("11.0.9.1").spec).toBe("11.0.9+1");
    expect(parseJavaSpec("latest")).toEqual({ spec: "x", stable: true, latest: true });
    expect(() => parseJavaSpec("seventeen")).toThrow("not valid SemVer notation for a Java version");
  });

  it("reads tool-cache folder names and JVM version strings", () => {
    expect(javaCacheVersion("17.0.10-7")).toEqual({ version: "17.0.10+7", stable: true });
    expect(javaCacheVersion("21.0.0-ea.5")).toEqual({ version: "21.0.0+5", stable: false });
    expect(javaCacheVersion("latest")).toBeUndefined();
    expect(javaVersionToSemver("17.0.9+9-Debian-1deb12u1")).toBe("17.0.9+9");
    expect(javaVersionToSemver("1.8.0_392")).toBe("8.0.392");
    expect(javaVersionToSemver("21")).toBe("21.0.0");
  });
});
