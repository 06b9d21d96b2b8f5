import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { firstTestFailure } from "./commands.js";

const dir = mkdtempSync(join(tmpdir(), "horizon-commands-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const ctx = (log: string) => {
  const logFile = join(dir, `${Math.random().toString(36).slice(2)}.log`);
  writeFileSync(logFile, log);
  return { runDir: dir, root: dir, logFile, progress: () => undefined };
};

describe("firstTestFailure: why a test stage failed, in its one-line summary", () => {
  it("names the first failing test from Vitest's FAIL line, not npm's closing 'command sh -c ...' line", async () => {
    const log = [
      " \u001b[32m✓\u001b[39m src/a.test.ts (3 tests)",
      " FAIL  |horizon| test/browser/dashboard.browser.test.ts > the delivery dashboard > shows the last run failed",
      "AssertionError: expected 'blocked: ...' to contain 'skipped: gate'",
      " FAIL  |horizon| src/b.test.ts > another",
      "npm error command sh -c vitest run --coverage --reporter=default",
      "",
    ].join("\n");
    expect(await firstTestFailure(ctx(log))).toBe("FAIL  |horizon| test/browser/dashboard.browser.test.ts > the delivery dashboard > shows the last run failed");
  });

  it("falls back to the log's last line when no test failed (the run itself broke)", async () => {
    expect(await firstTestFailure(ctx("starting\nError: Cannot find module 'x'\n"))).toBe("Error: Cannot find module 'x'");
  });
});
