import { spawnSync } from "node:child_process";
import {
  accessSync,
  chownSync,
  closeSync,
  constants,
  openSync,
  readdirSync,
  realpathSync,
  type Stats,
  statSync,
  writeFileSync,
} from "node:fs";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import {
  compiledHelperPath,
  type LaunchedProcess,
  Launcher,
  type LaunchOptions,
  spawnProcess,
} from "../spawner/index.js";
import { asUser, type JobUser } from "./job-user.js";
import type { ExtraMounts, Sandbox, SandboxedCommand } from "./sandbox.js";

/** What a job's sandbox shows of this host. */
export interface SandboxLayout {
  /** The job's own folder (workspace, temp, home): the only place it writes, with `tmpDir` and `writable`. */
  jobDir: string;
  /** Shown as /tmp: a folder of the job's own, so /tmp lasts from step to step and no longer. */
  tmpDir: string;
  /** Folders and files the job must not see at all: the server's data directory, its config file … */
  hidden: string[];
  /** Folders inside hidden ones the job may read: the tool cache, the action store. */
  readOnly: string[];
  /** Host folders the job may write (a shared package cache the admin names). */
  writable: string[];
  /** The user the job's processes run as (runners.user), when not this process's. */
  user?: JobUser;
}

/** bubblewrap's path, once found (findBwrap). */
let bwrapFound: string | undefined;

/**
 * bubblewrap's absolute path on this process's own PATH, undefined when it is not there. Never left
 * to a spawn's lookup: a step's process is spawned with the step's environment, whose PATH starts
 * with folders the job writes (its tools' bin), and a `bwrap` a job put there would be started by the
 * next step, on this host, outside the sandbox.
 */
function findBwrap(): string | undefined {
  if (bwrapFound) return bwrapFound;
  for (const dir of (process.env.PATH ?? "").split(":")) {
    if (!isAbsolute(dir)) continue;
    const path = join(dir, "bwrap");
    try {
      if (!statSync(path).isFile()) continue;
      accessSync(path, constants.X_OK);
    } catch {
      continue;
    }
    bwrapFound = path;
    return path;
  }
  return undefined;
}

const MISSING = "bubblewrap (bwrap) is not installed";

/**
 * Whether the absolute, normalised `path` is `root` or beneath it, by comparing the strings (this runs
 * hundreds of times per job: path.relative made a quarter of what a job allocated).
 */
function under(path: string, root: string): boolean {
  if (!path.startsWith(root)) return false;
  return path.length === root.length || root.endsWith("/") || path[root.length] === "/";
}

/** Whether `path` is `root` or beneath it (both resolved first). */
function isWithin(path: string, root: string): boolean {
  return under(resolve(path), resolve(root));
}

/** Why a sandbox cannot run here, by job user ('' for this process's own): asked once each. */
const problems = new Map<string, string | undefined>();

/**
 * Why jobs cannot run in a bubblewrap sandbox here (bwrap missing, namespaces refused, the switch
 * to `user` failing), or undefined when they can.
 */
export function sandboxProblem(user?: JobUser): string | undefined {
  const key = user?.name ?? "";
  if (problems.has(key)) return problems.get(key);
  const bwrap = findBwrap();
  if (!bwrap) {
    problems.set(key, MISSING);
    return MISSING;
  }
  const command = asUser(user, "true", []);
  const r = spawnSync(bwrap, [...namespaceArgs(), "--", command.command, ...command.args], {
    stdio: ["ignore", "ignore", "pipe"],
    encoding: "utf8",
  });
  let problem: string | undefined;
  if (r.error) {
    const missing = (r.error as NodeJS.ErrnoException).code === "ENOENT";
    problem = missing ? MISSING : r.error.message;
  } else if (r.status !== 0) {
    problem = `bubblewrap cannot make a sandbox here: ${(r.stderr || `exit code ${r.status}`).trim()}`;
  }
  problems.set(key, problem);
  return problem;
}

/** A new PID namespace over the host, read-only: what the probe runs in. */
function namespaceArgs(): string[] {
  return ["--ro-bind", "/", "/", "--unshare-pid", ...userArgs(), "--die-with-parent"];
}

/**
 * A user namespace when the server is not root (root keeps its uid, and its jobs either drop every
 * capability or switch to runners.user inside the sandbox, once their mounts are made).
 */
function userArgs(): string[] {
  const uid = process.getuid?.() ?? 0;
  if (uid === 0) return [];
  return ["--unshare-user", "--uid", String(uid), "--gid", String(process.getgid?.() ?? uid)];
}

/** A hidden path as it stands now: a folder (hidden under a tmpfs) or a file (under an empty one). */
interface HiddenPath {
  path: string;
  folder: boolean;
}

/**
 * Which of the hidden paths exist now, and as what: what is under /tmp is gone already (/tmp is
 * replaced), and a path that does not exist needs nothing. Asked once per job (its keeper and its
 * mounts share it), and without an exception for a missing path (each cost a stack trace: most of
 * the ~15 credential paths in a home are missing).
 */
function hiddenNow(hidden: string[]): HiddenPath[] {
  const found: HiddenPath[] = [];
  for (const path of hidden) {
    if (under(path, "/tmp")) continue;
    let stat: Stats | undefined;
    try {
      stat = statSync(path, { throwIfNoEntry: false });
    } catch {
      continue; // not to be reached: nothing to hide
    }
    if (stat) found.push({ path, folder: stat.isDirectory() });
  }
  return found;
}

/** The mounts that take the hidden paths away: a tmpfs over each folder, `empty` over each file. */
function hidingArgs(hidden: HiddenPath[], empty: () => string): string[] {
  const args: string[] = [];
  for (const { path, folder } of hidden) {
    if (folder) args.push("--tmpfs", path);
    else args.push("--ro-bind", empty(), path);
  }
  return args;
}

/**
 * The empty file a hidden file is shown as (a device such as /dev/null cannot be opened on a nodev
 * bind): one per folder holding jobs' folders (a run's), made by the first job that needs it. Only
 * the server writes there, and the job sees it read-only.
 */
function emptyStandIn(jobDir: string): string {
  const path = resolve(jobDir, "..", ".hidden-file");
  const stat = statSync(path, { throwIfNoEntry: false });
  if (stat?.isFile() && stat.size === 0) return path;
  writeFileSync(path, "", { mode: 0o444 });
  return path;
}

/** The mounts every process of the job gets, in order: later ones go over earlier ones. */
function mountArgs(layout: SandboxLayout, hiddenPaths: HiddenPath[]): string[] {
  const tmp = "/tmp";
  let empty: string | undefined;
  const emptyFile = () => {
    empty ??= emptyStandIn(layout.jobDir);
    return empty;
  };
  const args = ["--ro-bind", "/", "/", "--dev", "/dev", "--bind", layout.tmpDir, tmp];
  const hidden = layout.hidden.map((p) => resolve(p));
  args.push(...hidingArgs(hiddenPaths, emptyFile));
  const binds: [string, string][] = [];
  // The job's folders one by one, not the folder holding them: a step cannot swap one for a link
  // (a mount point does not move), so the server's own writes there stay where it means them.
  for (const entry of readdirSync(layout.jobDir, { withFileTypes: true })) {
    const path = join(layout.jobDir, entry.name);
    if (entry.isDirectory() && path !== resolve(layout.tmpDir)) binds.push(["--bind", path]);
  }
  for (const path of layout.readOnly) binds.push(["--ro-bind-try", path]);
  for (const path of layout.writable) binds.push(["--bind-try", path]);
  // Each folder made once: the binds below one job folder share all the folders above it.
  const made = new Set<string>();
  for (const [how, path] of binds)
    args.push(...reachable(resolve(path), [...hidden, tmp], made), how, path, path);
  return args;
}

/**
 * The folders above a bind (`path`, resolved) that the sandbox makes inside a hidden folder, made
 * 0755 first (bubblewrap makes them 0700, which a job run as another user could not pass through),
 * but for those in `made` already (to which these are added).
 */
function reachable(path: string, roots: string[], made = new Set<string>()): string[] {
  const args: string[] = [];
  for (let up = dirname(path); up !== dirname(up); up = dirname(up)) {
    if (made.has(up) || !roots.some((root) => up !== root && under(up, root))) continue;
    made.add(up);
    args.unshift("--perms", "0755", "--dir", up);
  }
  return args;
}

/**
 * The capabilities a job's process keeps: root drops every one, but for switching to runners.user
 * (setpriv, after which it has none); a job's launcher (root) signals the job user's processes
 * (a cancelled step's group) too. None asked for in a user namespace (a non-root server).
 */
function capArgs(user: JobUser | undefined, launcher: boolean): string[] {
  if (userArgs().length > 0) return [];
  if (!user) return ["--cap-drop", "ALL"];
  const caps = ["CAP_SETUID", "CAP_SETGID", ...(launcher ? ["CAP_KILL"] : [])];
  return ["--cap-drop", "ALL", ...caps.flatMap((cap) => ["--cap-add", cap])];
}

/** The process that holds a job's PID namespace, its init's host pid and the namespace's fds. */
interface Keeper {
  /** bubblewrap's absolute path (findBwrap), which the job's commands run with too. */
  bwrap: string;
  process: LaunchedProcess;
  initPid: number;
  fds: number[];
}

/**
 * What the keeper's processes see of this host, `hiding` (hidingArgs of the job's hidden paths, a
 * file's stand-in /dev/null) applied: the job's processes share its PID namespace, so they can reach
 * its processes' view through /proc/1/root (bubblewrap's init, which runs without capabilities) and
 * read their environment: the view must be no more than a job's own, and the environment PATH alone.
 */
function keeperArgs(hiding: string[]): string[] {
  return [
    "--ro-bind",
    "/",
    "/",
    "--tmpfs",
    "/tmp",
    ...hiding,
    "--unshare-pid",
    ...userArgs(),
    "--die-with-parent",
  ];
}

/** Starts a keeper: bwrap's init in a new PID namespace, and `cat` until its input closes. */
function startKeeper(hiding: string[]): Promise<Keeper> {
  const bwrap = findBwrap();
  if (!bwrap) return Promise.reject(new Error(MISSING));
  return startNamespace(bwrap, [...keeperArgs(hiding), "--chdir", "/", "--info-fd", "3", "--", "cat"], {
    stdio: ["pipe", "ignore", "pipe", "pipe"],
  });
}

/**
 * Starts bubblewrap with `args` (its --info-fd 3) and resolves once its init runs: a keeper, or a
 * job's launcher (which also holds the namespace).
 */
async function startNamespace(
  bwrap: string,
  args: string[],
  options: Pick<LaunchOptions, "stdio" | "detached">,
): Promise<Keeper> {
  const keeper = spawnProcess(bwrap, args, {
    cwd: "/",
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
    ...options,
  });
  let info = "";
  let stderr = "";
  let started = false;
  // Kept until the keeper has started (its error, if it fails): after that, nothing it writes is kept.
  keeper.stderr?.setEncoding("utf8").on("data", (c: string) => {
    if (!started) stderr += c;
  });
  const infoStream = keeper.stdio[3] as NodeJS.ReadableStream;
  infoStream.setEncoding("utf8");
  infoStream.on("data", (c: string) => {
    info += c;
  });
  const initPid = await new Promise<number>((resolvePid, reject) => {
    keeper.once("error", (err: NodeJS.ErrnoException) =>
      reject(err.code === "ENOENT" ? new Error(MISSING) : err),
    );
    keeper.once("exit", (code) => reject(new Error(`bubblewrap: ${stderr.trim() || `exit code ${code}`}`)));
    infoStream.once("end", () => {
      const pid = (JSON.parse(info || "{}") as { "child-pid"?: number })["child-pid"];
      if (pid) resolvePid(pid);
    });
  });
  started = true;
  const fds = [openSync(`/proc/${initPid}/ns/pid`, "r")];
  if (userArgs().length > 0) fds.push(openSync(`/proc/${initPid}/ns/user`, "r"));
  // A keeper waiting for its job keeps nothing of this process alive (it dies with it).
  keeper.unref();
  for (const stream of keeper.stdio) (stream as { unref?: () => void } | null)?.unref?.();
  return { bwrap, process: keeper, initPid, fds };
}

/** The compiled helper opened once (passed to each launcher's bubblewrap as its fd 4). */
let helperFile: { path: string; fd: number } | undefined;

/** Whether a launcher failed to say hello here: from then on jobs use a keeper and a bwrap per step. */
let launcherFailed = false;

/** The compiled helper's descriptor, when it is there and launchers run here. */
function launcherHelper(): number | undefined {
  if (launcherFailed) return undefined;
  const path = compiledHelperPath();
  if (!path) return undefined;
  if (helperFile?.path !== path) {
    try {
      helperFile = { path, fd: openSync(path, "r") };
    } catch {
      return undefined;
    }
  }
  return helperFile.fd;
}

/**
 * Starts a job's one sandbox with its launcher as its command: the compiled helper, run from fd 4
 * (the install's folder may be one the job does not see), with the job's mounts and capabilities.
 * Rejects with bubblewrap's message when it cannot make the sandbox; resolves with no launcher
 * when the sandbox runs but the helper never says hello in it (launcherFailed is set).
 */
async function startLauncher(
  mounts: string[],
  user: JobUser | undefined,
  helperFd: number,
): Promise<{ keeper: Keeper; launcher?: Launcher }> {
  const bwrap = findBwrap();
  if (!bwrap) throw new Error(MISSING);
  // The launcher is the namespace's init (--as-pid-1): one process fewer a job than bubblewrap's own
  // init, no signal from the job reaches it but those it handles (none that end it), it reaps what a
  // step leaves behind (its waitpid loop takes every child), and /proc/1 shows it, not bubblewrap's
  // command line.
  const args = [
    ...mounts,
    "--unshare-pid",
    "--as-pid-1",
    ...userArgs(),
    "--die-with-parent",
    "--proc",
    "/proc",
    ...capArgs(user, true),
    "--chdir",
    "/",
    "--info-fd",
    "3",
    "--",
    "/proc/self/fd/4",
    "--sandbox",
  ];
  // Its own session: nothing in the sandbox has this process's terminal.
  const keeper = await startNamespace(bwrap, args, {
    stdio: ["pipe", "pipe", "pipe", "pipe", helperFd],
    detached: true,
  });
  const launcher = new Launcher(keeper.process);
  try {
    await launcher.ready;
  } catch {
    launcherFailed = true;
    endKeeper(keeper);
    return { keeper };
  }
  return { keeper, launcher };
}

/** A keeper started ahead, and the hiding mounts it was made with. */
let spare: { hiding: string; keeper: Promise<Keeper> } | undefined;

/** Ends a keeper: the namespace's init too (killed with the keeper alone, it was now and then left running). */
function endKeeper({ process: keeper, initPid, fds }: Keeper): void {
  try {
    process.kill(initPid, "SIGKILL");
  } catch {
    // gone already
  }
  keeper.kill("SIGKILL");
  for (const stream of keeper.stdio) stream?.destroy();
  for (const fd of fds) closeSync(fd);
}

/**
 * A keeper for a job whose hidden paths are `hidden`: the one a job that ended started ahead when it
 * hides what the job's must now (a hidden path made since is not missed), else a new one.
 */
function takeKeeper(hidden: HiddenPath[]): Promise<Keeper> {
  const hiding = hidingArgs(hidden, () => "/dev/null");
  const ahead = spare;
  spare = undefined;
  if (ahead?.hiding === hiding.join("\0")) return ahead.keeper;
  ahead?.keeper.then(endKeeper, () => undefined);
  return startKeeper(hiding);
}

/**
 * Starts a keeper ahead for the next job, as a job ends: a server's or a chain's next job then
 * does not wait for bubblewrap's start, and a single job's start pays nothing for it.
 */
function startSpare(hidden: HiddenPath[]): void {
  if (spare) return;
  const hiding = hidingArgs(hidden, () => "/dev/null");
  spare = { hiding: hiding.join("\0"), keeper: startKeeper(hiding) };
  spare.keeper.catch(() => undefined); // a failure is the next job's to report
}

/**
 * One job's sandbox (bubblewrap): the job's processes share one PID namespace, which a keeper
 * process holds open from the job's start to its end. Each process a step starts joins it with a
 * mount namespace of its own in which the server's data directory, config file, other jobs'
 * folders and the server's process are gone, the job's own folder and /tmp are writable and the
 * rest of the host is read-only. Ending the keeper ends the namespace and everything in it, also
 * what a step left running under `setsid`; the keeper dies with the server too.
 */
export class JobSandbox implements Sandbox {
  private closed = false;

  private constructor(
    private readonly keeper: Keeper,
    private readonly mounts: string[],
    private readonly layout: SandboxLayout,
    /** The hidden paths as they stood at the job's start (a spare keeper is made with them). */
    private readonly hiddenPaths: HiddenPath[],
    /** The job's launcher, which starts its processes inside its one sandbox; absent: a bwrap each. */
    private readonly launcher?: Launcher,
  ) {}

  /** The host pid of the namespace's first process (bubblewrap's init inside it). */
  get initPid(): number {
    return this.keeper.initPid;
  }

  /** Where the sandbox makes folders of its own (the hidden ones, /tmp). */
  private get roots(): string[] {
    return [...this.layout.hidden.map((p) => resolve(p)), "/tmp"];
  }

  /** Whether the job sees `path` at the same path as this host (its folder, the extra binds). */
  private boundAsIs(path: string): boolean {
    const { jobDir, readOnly, writable } = this.layout;
    return [jobDir, ...readOnly, ...writable].some((root) => isWithin(path, root));
  }

  toHost(path: string): string {
    if (!isAbsolute(path) || this.boundAsIs(path) || !isWithin(path, "/tmp")) return path;
    return resolve(this.layout.tmpDir, relative("/tmp", path));
  }

  visible(path: string): boolean {
    let real: string;
    try {
      real = realpathSync(path);
    } catch {
      return false;
    }
    return this.boundAsIs(real) || !this.roots.some((root) => isWithin(real, root));
  }

  toJob(path: string): string {
    if (!isAbsolute(path) || !isWithin(path, this.layout.tmpDir)) return path;
    return resolve("/tmp", relative(this.layout.tmpDir, path));
  }

  /**
   * Starts the job's sandbox: its launcher in it when the compiled helper runs here, else a keeper
   * (a bwrap per process then). Rejects with bubblewrap's own message when it cannot.
   */
  static async start(layout: SandboxLayout): Promise<JobSandbox> {
    const hidden = hiddenNow(layout.hidden.map((p) => resolve(p)));
    const mounts = mountArgs(layout, hidden);
    const helperFd = launcherHelper();
    if (helperFd !== undefined) {
      const { keeper, launcher } = await startLauncher(mounts, layout.user, helperFd);
      if (launcher) return new JobSandbox(keeper, mounts, layout, hidden, launcher);
    }
    return new JobSandbox(await takeKeeper(hidden), mounts, layout, hidden);
  }

  /**
   * Starts `command args` in the sandbox through its launcher (no extra mounts: those need a
   * bwrap of their own, command()); undefined when the job has no launcher. The child's pid is of
   * the job's PID namespace: its group is signalled with killGroup, never on this host.
   */
  launch(
    command: string,
    args: string[],
    options: Pick<LaunchOptions, "cwd" | "env" | "detached" | "stdio">,
  ): LaunchedProcess | undefined {
    if (!this.launcher) return undefined;
    const run = asUser(this.layout.user, command, args);
    return this.launcher.spawn(run.command, run.args, options);
  }

  /**
   * `command args`, run in `cwd` inside the sandbox, with `extra` paths shown too (a built-in
   * action's archive). Pass `fds` as the spawned process's fd 3 (and 4).
   */
  command(command: string, args: string[], cwd: string, extra: ExtraMounts = {}): SandboxedCommand {
    const { bwrap, fds } = this.keeper;
    const { user } = this.layout;
    const joins = ["--pidns", "3", ...(fds.length > 1 ? ["--userns", "4"] : [])];
    const caps = capArgs(user, false);
    const run = asUser(user, command, args);
    // A folder shown writable to this command (a staging folder of the server's) is the job user's.
    if (user) for (const p of extra.writable ?? []) chownSync(p, user.uid, user.gid);
    // No --die-with-parent here: joined to the keeper's namespace, the command dies with it (and the
    // keeper with the server); with --pidns, bubblewrap 0.8's parent-death signal also killed a
    // command now and then while its parent lived (3 in 120).
    const sandboxArgs = [
      ...this.mounts,
      ...(extra.readOnly ?? []).flatMap((p) => [...reachable(resolve(p), this.roots), "--ro-bind", p, p]),
      ...(extra.writable ?? []).flatMap((p) => [...reachable(resolve(p), this.roots), "--bind", p, p]),
      ...joins,
      "--proc",
      "/proc",
      ...caps,
      "--chdir",
      cwd,
      "--",
    ];
    return { command: bwrap, args: [...sandboxArgs, run.command, ...run.args], fds };
  }

  /** Ends every process of the job and the namespace with them. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    // The namespace's init too: killed with the keeper's own process alone, it was now and then left
    // running (3 in 60 right after start), holding the keeper's pipes and the namespace open.
    endKeeper(this.keeper);
    this.launcher?.end("the job's sandbox has ended");
    // On the next turn, and only if this process goes on (a `gantry run` that is done just exits).
    // Made as this job's was: the job that takes it checks the hidden paths again. Not when jobs
    // have launchers (which hold their namespaces themselves).
    if (!this.launcher) setTimeout(() => startSpare(this.hiddenPaths), 0).unref();
  }
}
