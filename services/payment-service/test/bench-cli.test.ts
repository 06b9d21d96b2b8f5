import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const serviceDir = fileURLToPath(new URL("..", import.meta.url));

/** `npm run bench` as a user runs it; nothing here starts a service or needs a server. */
function bench(...args: string[]) {
  const result = spawnSync(process.execPath, ["--conditions=source", "--import", "tsx", "bench/donations.ts", ...args], {
    cwd: serviceDir,
    env: { ...process.env, TEST_DATABASE_URL: "postgres://nobody@127.0.0.1:1/none" },
    encoding: "utf8",
    timeout: 30_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("the donation benchmark's command line", () => {
  it("--help prints the options and exits 0 without starting anything", () => {
    const { status, stdout } = bench("--help");
    expect(status).toBe(0);
    for (const option of ["--mode", "--connections", "--duration", "--warmup", "--pool", "--json", "--keep", "--cpu-prof", "--no-pgbench"]) expect(stdout).toContain(option);
  });

  it("refuses an unknown option or a missing value with exit 2 naming it, not a stack trace", () => {
    for (const args of [["--bogus"], ["--duration"]]) {
      const { status, stderr } = bench(...args);
      expect(status).toBe(2);
      expect(stderr).toMatch(/^bench: /);
      expect(stderr).toContain(args[0]);
      expect(stderr).not.toMatch(/\n\s+at /);
    }
  });
});
