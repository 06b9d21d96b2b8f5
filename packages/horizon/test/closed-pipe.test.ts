import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createManifestsRepo, removeAll, useTestGitEnv } from "./fixtures/manifests-helpers/repo.js";

// `horizon compliance --json | head -c 300`: the reader closes the pipe early. horizon, spawned as a process on
// its sources, with the read end of its stdout closed before it writes: it must end without an EPIPE stack trace.
const CLI = new URL("../src/cli.ts", import.meta.url).href;
const ENTRY = `import { main } from ${JSON.stringify(CLI)}; process.exitCode = await main(["node", "horizon", ...process.argv.slice(1)]);`;

function horizonIntoClosedPipe(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ["--conditions=source", "--import", "tsx", "--input-type=module", "--eval", ENTRY, ...args], {
    cwd: fileURLToPath(new URL("..", import.meta.url)),
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout.destroy();
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stderr }));
  });
}

let manifests = "";
beforeAll(async () => {
  useTestGitEnv();
  manifests = await createManifestsRepo("kustomize");
});
afterAll(() => removeAll(manifests));

describe("a closed stdout", () => {
  it.each([
    ["compliance --json", () => ["compliance", "--manifests", manifests, "--month", "2026-11", "--json"]],
    ["release history", () => ["release", "history", "--manifests", manifests]],
  ])("ends %s quietly, with the command's own exit code", async (_name, args) => {
    const { code, stderr } = await horizonIntoClosedPipe(args());
    expect(stderr).not.toMatch(/EPIPE|Unhandled|^\s+at /m);
    expect(code).toBe(0);
  });
});
