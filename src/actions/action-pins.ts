import { readFileSync } from "node:fs";
import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "./atomic-dir.js";

/** A ref resolved once and pinned to its commit: later runs reuse the commit without fetching. */
export interface ActionPin {
  /** `owner/repo@ref` as first written. */
  action: string;
  commit: string;
  /** Where the commit came from: a mirror URL, the `--from` of `gantry actions add`, or "store". */
  source: string;
  pinnedAt: string;
}

/** The pins of an action store: one small JSON file per owner/repo@ref, written atomically. */
export class ActionPins {
  constructor(private readonly root: string) {}

  /** owner and repo are lower-case (GitHub names are case-insensitive); the ref is kept as written. */
  file(owner: string, repo: string, ref: string): string {
    return join(this.root, owner, repo, `${encodeURIComponent(ref)}.json`);
  }

  async read(owner: string, repo: string, ref: string): Promise<ActionPin | undefined> {
    return this.readSync(owner, repo, ref);
  }

  /**
   * The pin of owner/repo@ref, or undefined. Synchronous: it is on every step's path, and one small
   * read costs less than a trip through libuv's thread pool (see the ActionStore's resolve).
   */
  readSync(owner: string, repo: string, ref: string): ActionPin | undefined {
    let text: string;
    try {
      text = readFileSync(this.file(owner, repo, ref), "utf8");
    } catch {
      return undefined;
    }
    try {
      const pin = JSON.parse(text) as ActionPin;
      return typeof pin.commit === "string" && /^[0-9a-f]{40}$/.test(pin.commit) ? pin : undefined;
    } catch {
      return undefined;
    }
  }

  write(owner: string, repo: string, ref: string, pin: ActionPin): Promise<void> {
    return writeFileAtomic(this.file(owner, repo, ref), `${JSON.stringify(pin, null, 2)}\n`);
  }

  async remove(owner: string, repo: string, ref: string): Promise<void> {
    await rm(this.file(owner, repo, ref), { force: true });
  }

  /** Every pin, sorted by action. */
  async list(): Promise<ActionPin[]> {
    const dirs = async (dir: string) =>
      (await readdir(dir, { withFileTypes: true }).catch(() => [])).filter((e) => e.isDirectory());
    const pins: ActionPin[] = [];
    for (const owner of await dirs(this.root)) {
      for (const repo of await dirs(join(this.root, owner.name))) {
        const files = await readdir(join(this.root, owner.name, repo.name));
        for (const f of files.filter((n) => n.endsWith(".json"))) {
          const pin = await this.read(owner.name, repo.name, decodeURIComponent(f.slice(0, -".json".length)));
          if (pin) pins.push(pin);
        }
      }
    }
    return pins.sort((a, b) => a.action.localeCompare(b.action));
  }
}
