import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ToolInstallError } from "./errors.js";
import { kindOfFolder, toolKind } from "./tool-kinds.js";

const noRelease = mkdtempSync(join(tmpdir(), "gantry-kinds-"));

describe("tool kinds", () => {
  it("read the version each tool prints as semver", () => {
    expect(toolKind("node").readVersion("v22.11.0\n", noRelease)).toBe("22.11.0");
    expect(toolKind("python").readVersion("Python 3.13.0rc1\n", noRelease)).toBe("3.13.0-rc1");
    expect(toolKind("go").readVersion("go version go1.23.4 linux/amd64\n", noRelease)).toBe("1.23.4");
    expect(toolKind("go").readVersion("go version go1.24rc1 linux/amd64\n", noRelease)).toBe("1.24.0-rc.1");
    const java =
      'openjdk version "21.0.5" 2024-10-15 LTS\nOpenJDK Runtime Environment Temurin-21.0.5+11 (build 21.0.5+11-LTS)\n';
    expect(toolKind("java").readVersion(java, noRelease)).toBe("21.0.5");
    expect(toolKind("node").readVersion("something else", noRelease)).toBeUndefined();
  });

  it("take Java's build number from its release file, and file it as setup-java names folders", () => {
    const home = mkdtempSync(join(tmpdir(), "gantry-jdk-"));
    writeFileSync(
      join(home, "release"),
      'IMPLEMENTOR="Eclipse Adoptium"\nJAVA_RUNTIME_VERSION="17.0.10+7"\nJAVA_VERSION="17.0.10"\n',
    );
    const java = toolKind("java");
    const v = java.readVersion('openjdk version "17.0.10" 2024-01-16', home);
    expect(v).toBe("17.0.10+7");
    expect(java.folder(v as string)).toBe("17.0.10-7");
    expect(java.fromFolder("17.0.10-7")).toBe("17.0.10+7");
    expect(java.cacheFolder({})).toBe("Java_Temurin-Hotspot_jdk");
    expect(java.cacheFolder({ distribution: "zulu", javaPackage: "jre" })).toBe("Java_Zulu_jre");
    expect(() => java.cacheFolder({ javaPackage: "../x" })).toThrow(ToolInstallError);
  });

  it("know each tool-cache folder's kind and refuse unknown tools", () => {
    expect(kindOfFolder("Python")?.name).toBe("python");
    expect(kindOfFolder("Java_Zulu_jdk")?.name).toBe("java");
    expect(kindOfFolder("CodeQL")).toBeUndefined();
    expect(() => toolKind("ruby")).toThrow("unknown tool 'ruby': gantry installs node, python, go, java");
  });
});
