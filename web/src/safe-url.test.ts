import { describe, expect, it } from "vitest";
import { safeUrl } from "./safe-url.js";

describe("links in job summaries", () => {
  it("keeps web, mail and relative addresses", () => {
    for (const u of [
      "https://example.com/x",
      "http://a",
      "mailto:a@b.c",
      "#part",
      "/acme/app/runs/1",
      "docs/x.md",
      "x?y=a:b",
    ])
      expect(safeUrl(u)).toBe(u);
  });

  it("drops other schemes, however written, and protocol-relative hosts", () => {
    for (const u of [
      "javascript:alert(1)",
      " JavaScript:alert(1)",
      "data:text/html,<b>",
      "vbscript:x",
      "//evil.example/x",
      "file:///etc/passwd",
    ])
      expect(safeUrl(u)).toBe("");
  });
});
