import { readFileSync } from "node:fs";
import { isAbsolute } from "node:path";

/**
 * The clock environment wait timers, the 30-day review expiry and the removal of silent runner
 * machines run on, and how often a waiting job looks at its gate in the store again (a review made
 * on another server, the clock moved).
 */
export interface GateClock {
  /** Milliseconds since the epoch. */
  now(): number;
  recheckMs: number;
}

export const SYSTEM_CLOCK: GateClock = { now: () => Date.now(), recheckMs: 5000 };

/**
 * End-to-end tests drive wait timers (minutes) and the 30-day expiry with a clock of their own:
 * `GANTRY_TEST_CLOCK_FILE=/absolute/path` in the server's own environment makes the gate's time
 * the real time plus the milliseconds that file holds (missing or unreadable: plus 0), looked at
 * every 100 ms. Read once, from the environment of the process that starts the server: a job can
 * neither set nor see it (jobs run with a clean environment), and without it no file is ever read.
 * The server says at start that it runs on a test clock.
 */
export function gateClockFrom(env: NodeJS.ProcessEnv, log: (message: string) => void): GateClock {
  const file = env.GANTRY_TEST_CLOCK_FILE;
  if (!file) return SYSTEM_CLOCK;
  if (!isAbsolute(file)) {
    log(`GANTRY_TEST_CLOCK_FILE must be an absolute path (got '${file}'): the system clock is used`);
    return SYSTEM_CLOCK;
  }
  log(
    `TEST CLOCK: environment wait timers run on ${file}'s offset (GANTRY_TEST_CLOCK_FILE); never in production`,
  );
  const offset = () => {
    try {
      const value = Number(readFileSync(file, "utf8").trim());
      return Number.isFinite(value) ? value : 0;
    } catch {
      return 0;
    }
  };
  return { now: () => Date.now() + offset(), recheckMs: 100 };
}
