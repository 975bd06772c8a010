// The real `gantry serve` over real sockets: a 50 MB unauthenticated webhook is refused (413)
// before a byte of its body is sent, an unsigned one (401) too, a chunked body is cut at the
// limit, and failed authentications from one address get 429 with Retry-After.
import { connect, type Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { type Serve, serveWithConfig } from "./serve-harness.js";

const TOKEN = "limits-admin-token";
const CONFIG = "hooks:\n  github_secret: s3cret\n";

/** A raw HTTP/1.1 connection to the server: what it answers, and whether it closed. */
function open(s: Serve): Promise<{ socket: Socket; answer: () => string; closed: Promise<void> }> {
  const { hostname, port } = new URL(s.url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) }, () =>
      resolve({ socket, answer: () => text, closed }),
    );
    let text = "";
    socket.setEncoding("latin1");
    socket.on("data", (c: string) => {
      text += c;
    });
    socket.on("error", () => undefined); // the server closing on us while we write is expected
    const closed = new Promise<void>((r) => socket.on("close", () => r()));
    socket.once("error", reject);
  });
}

/** Resolves when `socket` drains (its listener gone either way, so waits do not pile up). */
function drained(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      socket.off("drain", done).off("close", done);
      resolve();
    };
    socket.on("drain", done).on("close", done);
  });
}

/**
 * Waits until the answer has its head (status line and headers), the connection closed, or 30 s
 * passed (a server waiting for the body it should have refused: the test fails on what it has).
 */
async function head(conn: { answer: () => string; closed: Promise<void> }): Promise<string> {
  let closed = false;
  void conn.closed.then(() => {
    closed = true;
  });
  const deadline = Date.now() + 30_000;
  while (!conn.answer().includes("\r\n\r\n") && !closed && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 10));
  }
  return conn.answer();
}

describe("gantry serve: request limits on the wire", () => {
  it("refuses a 50 MB unauthenticated webhook with 413 before its body is sent, and closes", async () => {
    const s = await serveWithConfig(CONFIG, TOKEN);
    const conn = await open(s);
    conn.socket.write(
      [
        "POST /hooks/github HTTP/1.1",
        `Host: ${new URL(s.url).host}`,
        "X-GitHub-Event: push",
        "Content-Type: application/json",
        `Content-Length: ${50 * 1024 * 1024}`,
        "",
        "",
      ].join("\r\n"),
    );
    // Not a byte of the body has been sent: the answer comes anyway.
    const answer = await head(conn);
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer.toLowerCase()).toContain("connection: close");
    expect(answer).toContain("over this route's limit of 25 MiB");
    // A slow body after it goes nowhere: the server has closed the connection.
    for (let i = 0; i < 20 && !conn.socket.destroyed; i++) {
      conn.socket.write("x".repeat(1024));
      await new Promise((r) => setTimeout(r, 50));
    }
    await conn.closed;
    // And the server is fine.
    const res = await fetch(`${s.url}/api/v1/repos`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
  });

  it("refuses an unsigned chunked webhook with 401 before its body, and cuts a signed one at 25 MiB", async () => {
    const s = await serveWithConfig(CONFIG, TOKEN);
    const host = `Host: ${new URL(s.url).host}`;
    const unsigned = await open(s);
    unsigned.socket.write(
      [
        "POST /hooks/github HTTP/1.1",
        host,
        "X-GitHub-Event: push",
        "Transfer-Encoding: chunked",
        "",
        "",
      ].join("\r\n"),
    );
    expect(await head(unsigned)).toMatch(/^HTTP\/1\.1 401 [^]*missing X-Hub-Signature-256/);
    unsigned.socket.destroy();

    const signed = await open(s);
    signed.socket.write(
      [
        "POST /hooks/github HTTP/1.1",
        host,
        "X-GitHub-Event: push",
        "X-Hub-Signature-256: sha256=0000",
        "Transfer-Encoding: chunked",
        "",
        "",
      ].join("\r\n"),
    );
    const chunk = `${(1024 * 1024).toString(16)}\r\n${"x".repeat(1024 * 1024)}\r\n`;
    let sent = 0;
    while (!signed.answer().includes("\r\n\r\n") && !signed.socket.destroyed && sent < 64) {
      // Backpressure: wait for the buffer to drain, or for the server to have closed on us.
      if (!signed.socket.write(chunk)) await Promise.race([drained(signed.socket), signed.closed]);
      sent++;
    }
    expect(await head(signed)).toMatch(/^HTTP\/1\.1 413 /);
    // The server stopped at its limit: far less than the 64 MiB this client would have sent.
    expect(sent).toBeLessThan(64);
    signed.socket.destroy();
  });

  it("answers 429 with Retry-After after 10 failed authentications from one address", async () => {
    const s = await serveWithConfig(CONFIG, TOKEN);
    const ask = (token: string) =>
      fetch(`${s.url}/api/v1/repos`, { headers: { authorization: `Bearer ${token}` } });
    for (let i = 0; i < 10; i++) expect((await ask(`guess-${i}`)).status).toBe(401);
    const blocked = await ask(TOKEN);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
    const hook = await fetch(`${s.url}/hooks/github`, {
      method: "POST",
      headers: { "x-github-event": "ping" },
    });
    expect(hook.status).toBe(429);
  });
});
