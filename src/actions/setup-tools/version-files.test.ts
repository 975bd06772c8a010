import { describe, expect, it } from "vitest";
import {
  goVersionFromFile,
  javaVersionFromFile,
  nodeVersionFromFile,
  pythonVersionsFromFile,
} from "./version-files.js";

describe("node-version-file", () => {
  it("reads .nvmrc, .node-version and .tool-versions", () => {
    expect(nodeVersionFromFile("20.11.1\n")).toBe("20.11.1");
    expect(nodeVersionFromFile("v18\n")).toBe("18");
    expect(nodeVersionFromFile("lts/iron\n")).toBe("lts/iron");
    expect(nodeVersionFromFile("python 3.12.1\nnodejs 20.1.0\n")).toBe("20.1.0");
    expect(nodeVersionFromFile("node 22\n")).toBe("22");
  });

  it("reads package.json: volta.node before engines.node, nothing when neither", () => {
    expect(nodeVersionFromFile(JSON.stringify({ engines: { node: ">=18" } }))).toBe(">=18");
    expect(
      nodeVersionFromFile(JSON.stringify({ engines: { node: ">=18" }, volta: { node: "20.1.0" } })),
    ).toBe("20.1.0");
    expect(nodeVersionFromFile(JSON.stringify({ name: "x" }))).toBeUndefined();
  });
});

describe("python-version-file", () => {
  it("reads .python-version, one version a line, comments skipped", () => {
    expect(pythonVersionsFromFile(".python-version", "3.12\n")).toEqual(["3.12"]);
    expect(pythonVersionsFromFile(".python-version", "# main\n3.11\n\n3.12.1\n")).toEqual(["3.11", "3.12.1"]);
  });

  it("reads .tool-versions, pyproject.toml and Pipfile", () => {
    expect(pythonVersionsFromFile(".tool-versions", "nodejs 20\npython 3.11.4 3.10.1\n")).toEqual(["3.11.4"]);
    expect(
      pythonVersionsFromFile(
        "pyproject.toml",
        '[tool.black]\nx = 1\n[project]\nname = "a"\nrequires-python = ">=3.9,<3.13"\n',
      ),
    ).toEqual([">=3.9 <3.13"]);
    expect(
      pythonVersionsFromFile(
        "sub/pyproject.toml",
        '[tool.poetry.dependencies]\npython = "^3.11"\nrequests = "*"\n',
      ),
    ).toEqual(["^3.11"]);
    expect(pythonVersionsFromFile("Pipfile", '[packages]\n[requires]\npython_version = "3.10"\n')).toEqual([
      "3.10",
    ]);
    expect(pythonVersionsFromFile("pyproject.toml", '[project]\nname = "a"\n')).toEqual([]);
  });
});

describe("go-version-file", () => {
  it("prefers go.mod's toolchain line over its go line", () => {
    expect(goVersionFromFile("go.mod", "module x\n\ngo 1.22\n")).toBe("1.22");
    expect(goVersionFromFile("go.mod", "module x\n\ngo 1.21.0\n\ntoolchain go1.22.3\n")).toBe("1.22.3");
    expect(goVersionFromFile("a/go.work", "go 1.23.1\n\nuse ./a\n")).toBe("1.23.1");
    expect(goVersionFromFile("go.mod", "module x\n")).toBeUndefined();
  });

  it("reads .tool-versions and plain files", () => {
    expect(goVersionFromFile(".tool-versions", "golang 1.22.5\n")).toBe("1.22.5");
    expect(goVersionFromFile(".go-version", "1.21.4\n")).toBe("1.21.4");
  });
});

describe("java-version-file", () => {
  it("reads .java-version, .tool-versions and .sdkmanrc", () => {
    expect(javaVersionFromFile(".java-version", "17\n")).toBe("17");
    expect(javaVersionFromFile(".java-version", "1.8\n")).toBe("8");
    expect(javaVersionFromFile(".java-version", "temurin-17.0.1\n")).toBe("17.0.1");
    expect(javaVersionFromFile(".tool-versions", "nodejs 20\njava temurin-21.0.2+13\n")).toBe("21.0.2+13");
    expect(javaVersionFromFile(".sdkmanrc", "java=17.0.10-tem\n")).toBe("17.0.10");
    expect(javaVersionFromFile(".java-version", "none\n")).toBeUndefined();
  });
});
