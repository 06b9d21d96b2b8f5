import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const serviceDir = fileURLToPath(new URL("..", import.meta.url));

/** `npm run bench` as a user runs it; every case here stops before a service is started. */
function bench(...args: string[]) {
  const result = spawnSync(process.execPath, ["--conditions=source", "--import", "tsx", "bench/list.ts", ...args], { cwd: serviceDir, encoding: "utf8", timeout: 30_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("the campaign list benchmark's command line", () => {
  it("--help prints the options and exits 0 without starting anything", () => {
    const { status, stdout } = bench("--help");
    expect(status).toBe(0);
    for (const option of ["--connections", "--duration", "--campaigns", "--no-cache", "--url", "--json", "--hey"]) expect(stdout).toContain(option);
  });

  it("refuses an unknown option, a missing value, a bad number or URL with exit 2 naming it, not a stack trace", () => {
    for (const [args, named] of [[["--bogus"], "--bogus"], [["--duration"], "--duration"], [["--connections", "many"], "--connections"], [["--url", "not a url"], "--url"]] as const) {
      const { status, stderr } = bench(...args);
      expect(status).toBe(2);
      expect(stderr).toMatch(/^bench: /);
      expect(stderr).toContain(named);
      expect(stderr).not.toMatch(/\n\s+at /);
    }
  });
});
