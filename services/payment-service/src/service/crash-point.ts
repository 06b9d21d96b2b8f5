/** Where a test may kill the process (README "Test hooks"): right after a provider answer, before anything stores it. */
export type CrashPoint = "after-capture" | "after-refund";

let armed: CrashPoint | undefined;

/** Arms a crash point (only from configuration with NODE_ENV=test). */
export function armCrashPoint(point: CrashPoint | undefined): void {
  armed = point;
}

/** Dies with SIGKILL here when this point is armed: no handler, no graceful close, as a power cut would. */
export function crashPoint(point: CrashPoint): void {
  if (armed === point) process.kill(process.pid, "SIGKILL");
}
