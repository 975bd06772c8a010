import { createHash, hash } from "node:crypto";
import { closeSync, openSync, readSync } from "node:fs";
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";

const BUFFER = 1 << 20;
const CHUNK = 16; // files a thread claims at a time
/** Below this many files, starting a worker costs more than it saves. */
export const POOL_MIN_FILES = 256;

/**
 * sha256 of one file, read through `buf`. A read of a regular file returns less than asked
 * only at its end, so a file shorter than the buffer takes three system calls (open, read,
 * close): no stat, no read that returns 0. The same code runs in the workers (WORKER below).
 */
function digestFile(path: string, buf: Buffer): Buffer {
  const fd = openSync(path, "r");
  try {
    let n = readSync(fd, buf, 0, buf.length, null);
    if (n < buf.length) return hash("sha256", buf.subarray(0, n), "buffer");
    const h = createHash("sha256");
    while (n > 0) {
      h.update(buf.subarray(0, n));
      n = readSync(fd, buf, 0, buf.length, null);
    }
    return h.digest();
  } finally {
    closeSync(fd);
  }
}

// Shared state: [next file index, workers finished, workers admitted, closed (1 = no more
// workers may start)]; then one status byte per file (1 = its digest is in place) and 32
// bytes of digest per file.
const NEXT = 0;
const FINISHED = 1;
const ADMITTED = 2;
const CLOSED = 3;

// A worker claims files CHUNK at a time from the shared counter and writes each digest in
// its slot. It joins only while the calling thread has not closed the pool, and always
// reports when it is done, so the caller waits only for workers that took part. A file it
// cannot read is left for the caller, which reads it again and throws the real error. Its
// digestFile is digestFile above, written out (a bundler may rename the imports it uses).
const WORKER = `
const { workerData } = require("node:worker_threads");
const { openSync, readSync, closeSync } = require("node:fs");
const { createHash, hash } = require("node:crypto");
const { files, state: stateBuf, status: statusBuf, digests: digestsBuf, chunk, bufferSize } = workerData;
const state = new Int32Array(stateBuf);
const status = new Uint8Array(statusBuf);
const digests = new Uint8Array(digestsBuf);
const buf = Buffer.allocUnsafe(bufferSize);
function digestFile(path) {
  const fd = openSync(path, "r");
  try {
    let n = readSync(fd, buf, 0, buf.length, null);
    if (n < buf.length) return hash("sha256", buf.subarray(0, n), "buffer");
    const h = createHash("sha256");
    while (n > 0) {
      h.update(buf.subarray(0, n));
      n = readSync(fd, buf, 0, buf.length, null);
    }
    return h.digest();
  } finally {
    closeSync(fd);
  }
}
Atomics.add(state, ${ADMITTED}, 1);
try {
  while (Atomics.load(state, ${CLOSED}) === 0) {
    const start = Atomics.add(state, ${NEXT}, chunk);
    if (start >= files.length) break;
    for (let i = start; i < Math.min(start + chunk, files.length); i++) {
      try {
        digests.set(digestFile(files[i]), i * 32);
        status[i] = 1;
      } catch {}
    }
  }
} finally {
  Atomics.add(state, ${FINISHED}, 1);
  Atomics.notify(state, ${FINISHED});
}
`;

/**
 * The sha256 digest of each file, in order. Synchronous (expressions are evaluated
 * synchronously), but with many files the reads and digests are shared with worker threads,
 * one per spare core (at most 3), the calling thread working too.
 */
export function fileDigests(files: string[], minPoolFiles = POOL_MIN_FILES): Buffer[] {
  const workers = Math.min(3, availableParallelism() - 1);
  const buf = Buffer.allocUnsafe(BUFFER);
  if (workers <= 0 || files.length < minPoolFiles) return files.map((f) => digestFile(f, buf));
  const stateBuf = new SharedArrayBuffer(16);
  const statusBuf = new SharedArrayBuffer(files.length);
  const digestsBuf = new SharedArrayBuffer(32 * files.length);
  const state = new Int32Array(stateBuf);
  const status = new Uint8Array(statusBuf);
  const digests = Buffer.from(digestsBuf);
  for (let w = 0; w < workers; w++) {
    new Worker(WORKER, {
      eval: true,
      workerData: {
        files,
        state: stateBuf,
        status: statusBuf,
        digests: digestsBuf,
        chunk: CHUNK,
        bufferSize: BUFFER,
      },
    }).unref();
  }
  for (;;) {
    const start = Atomics.add(state, NEXT, CHUNK);
    if (start >= files.length) break;
    for (let i = start; i < Math.min(start + CHUNK, files.length); i++) {
      digestFile(files[i], buf).copy(digests, i * 32);
      status[i] = 1;
    }
  }
  // Close the pool, then wait for every worker admitted before it closed to finish its chunk.
  Atomics.store(state, CLOSED, 1);
  for (;;) {
    const finished = Atomics.load(state, FINISHED);
    if (finished >= Atomics.load(state, ADMITTED)) break;
    Atomics.wait(state, FINISHED, finished, 50);
  }
  return files.map((f, i) =>
    // A file a worker could not read is read here, which throws the error it met.
    Atomics.load(status, i) === 1 ? digests.subarray(i * 32, i * 32 + 32) : digestFile(f, buf),
  );
}
