import { describe, expect, it } from "vitest";
import { guardedLookup, hookUrlProblem, isPrivateAddress } from "./hook-url.js";

const strict = { url_schemes: ["https" as const], allow_private_networks: false };

describe("where outgoing webhooks may go", () => {
  it("refuses loopback, private, link-local and mapped addresses", () => {
    for (const a of [
      "127.0.0.1",
      "10.1.2.3",
      "172.20.0.1",
      "192.168.1.1",
      "169.254.169.254",
      "0.0.0.0",
      "::1",
      "::",
      "fe80::1",
      "fd00::1",
      "::ffff:127.0.0.1",
      "::ffff:7f00:1",
      "100.64.0.1",
    ]) {
      expect(isPrivateAddress(a), a).toBe(true);
    }
    for (const a of ["93.184.216.34", "2606:4700::1111", "8.8.8.8"])
      expect(isPrivateAddress(a), a).toBe(false);
  });

  it("checks the scheme, credentials and literal hosts of a URL", () => {
    expect(hookUrlProblem("https://chat.example.com/hook", strict)).toBeUndefined();
    expect(hookUrlProblem("http://chat.example.com/hook", strict)).toMatch(/scheme 'http' is not allowed/);
    expect(hookUrlProblem("https://169.254.169.254/latest/meta-data", strict)).toMatch(/link-local/);
    expect(hookUrlProblem("https://[::ffff:127.0.0.1]:8080/", strict)).toMatch(/loopback/);
    expect(hookUrlProblem("https://localhost/", strict)).toMatch(/loopback/);
    expect(hookUrlProblem("https://u:p@chat.example.com/", strict)).toMatch(/user name or password/);
    expect(hookUrlProblem("file:///etc/passwd", strict)).toMatch(/scheme 'file'/);
    expect(
      hookUrlProblem("http://127.0.0.1:9/", { url_schemes: ["http"], allow_private_networks: true }),
    ).toBeUndefined();
  });

  it("refuses a name that resolves to loopback as the connection is made", async () => {
    const err = await new Promise<NodeJS.ErrnoException | null>((resolve) =>
      guardedLookup(strict)("localhost", {}, (e) => resolve(e)),
    );
    expect(err?.code).toBe("EHOOKADDRESS");
    const ok = await new Promise<string | unknown>((resolve) =>
      guardedLookup({ ...strict, allow_private_networks: true })("localhost", {}, (_e, a) => resolve(a)),
    );
    expect(ok).toMatch(/^(127\.0\.0\.1|::1)$/);
  });
});
