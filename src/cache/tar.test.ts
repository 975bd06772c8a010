import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { zstdDecompressor } from "./tar.js";

describe("zstdDecompressor", () => {
  it("turns zstd's asynchronous I/O off where its help lists the option, and leaves an older zstd as it is", () => {
    const newer = "  --[no-]asyncio                Use asynchronous IO. [Default: Enabled]\n";
    expect(zstdDecompressor(newer)).toBe("zstd -d --no-asyncio");
    // zstd 1.4.8's help (Ubuntu 22.04) has no such option: passing it would fail every restore.
    expect(zstdDecompressor(" -d     : decompression \n --[no-]sparse : sparse mode\n")).toBe("zstd -d");
    expect(zstdDecompressor("")).toBe("zstd -d");
  });

  it("gives a command this machine's zstd runs", () => {
    const help = execFileSync("zstd", ["-H"], { encoding: "utf8" });
    const [command, ...args] = zstdDecompressor(help).split(" ");
    const packed = execFileSync("zstd", ["-q", "-c"], { input: "hello" });
    expect(execFileSync(command ?? "", [...args, "-q", "-c"], { input: packed, encoding: "utf8" })).toBe(
      "hello",
    );
  });
});
