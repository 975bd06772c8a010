import { arch, platform } from "node:os";
import { requestedLabels } from "../engine/index.js";
import type { Contexts } from "../expressions/index.js";
import { type JobDef, UsageError } from "../workflow/index.js";

/** This machine as a runner: its OS as runner.os says it, and its arch label. */
function hostOs(): { name: string; os: string; hosted: RegExp } {
  const p = platform();
  if (p === "darwin") return { name: "macOS", os: "macos", hosted: /^macos-(latest|\d+)(-large|-xlarge)?$/ };
  if (p === "win32") return { name: "Windows", os: "windows", hosted: /^windows-(latest|\d+)$/ };
  return { name: "Linux", os: "linux", hosted: /^ubuntu-(latest|\d+\.\d+)(-arm)?$/ };
}

const ARCH_LABELS: Record<string, string[]> = {
  x64: ["x64", "x86_64", "amd64"],
  arm64: ["arm64", "aarch64"],
};

/**
 * Which `runs-on` labels `gantry run` runs on this machine: `self-hosted`, the OS (`linux`,
 * `macos`, `windows`), the arch (`x64`/`x86_64`/`amd64` or `arm64`/`aarch64`) and GitHub's hosted
 * labels of this OS (`ubuntu-latest`, `ubuntu-24.04`; `-arm` ones on arm64 only), plus the labels
 * given with `--platform LABEL=host`. Labels compare case-insensitively.
 */
export class HostLabels {
  private readonly os = hostOs();
  private readonly arch = arch();
  private readonly extra: Set<string>;

  constructor(platforms: string[] = []) {
    this.extra = new Set(platforms.map((l) => l.toLowerCase()));
  }

  /** Parses the `--platform LABEL=host` options into the labels they name. */
  static parseOptions(values: string[] | undefined): string[] {
    return (values ?? []).map((value) => {
      const eq = value.indexOf("=");
      const label = value.slice(0, eq).trim();
      const target = value.slice(eq + 1).trim();
      if (eq <= 0 || label === "" || target !== "host") {
        throw new UsageError(
          `--platform expects LABEL=host (gantry runs jobs on this machine, not in containers), got '${value}'`,
        );
      }
      return label;
    });
  }

  satisfies(label: string): boolean {
    const l = label.toLowerCase();
    if (this.extra.has(l) || l === "self-hosted" || l === this.os.os) return true;
    if ((ARCH_LABELS[this.arch] ?? [this.arch]).includes(l)) return true;
    const hosted = this.os.hosted.exec(l);
    if (!hosted) return false;
    // GitHub's -arm images are arm64; the others run on whatever this machine is.
    return hosted[2] !== "-arm" || this.arch === "arm64";
  }

  /** Why a leg does not run here (the labels this machine is not), else undefined. */
  declines(job: JobDef, contexts: Contexts): string | undefined {
    const missing = requestedLabels(job, contexts).filter((l) => !this.satisfies(l));
    if (missing.length === 0) return undefined;
    const quoted = missing.map((l) => `'${l}'`).join(", ");
    const hint = missing.map((l) => `--platform ${l}=host`).join(" ");
    return `skipped: runs-on ${quoted} is not this machine (${this.os.name} ${this.arch}); to run it here anyway: ${hint}`;
  }
}
