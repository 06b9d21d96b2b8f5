import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAppRepo, removeAll, run, useTestGitEnv } from "../../../test/fixtures/manifests-helpers/repo.js";
import { CheckFailedError } from "../../errors.js";
import { ProgressPrinter } from "../../pipeline/progress.js";
import type { RunSummary } from "../../pipeline/types.js";
import { runPipeline } from "./index.js";

/**
 * `horizon pipeline` end to end on a repository that holds only the delivery
 * config (the real deploy/ and quality-gates.yaml) and docs: no service to
 * build, so every stage that belongs to no service still runs — the secret
 * scan, the validation, the sync into the manifests repo — and decides alone.
 */
const dirs: string[] = [];
beforeAll(() => useTestGitEnv());
afterAll(() => removeAll(...dirs));

async function repo(): Promise<string> {
  const root = await createAppRepo("pipeline-e2e", {
    "README.md": "# delivery config only\n",
    "package.json": JSON.stringify({ name: "config-only", private: true, workspaces: ["packages/*", "services/*"] }),
    ".gitignore": ".horizon/\n",
  });
  dirs.push(root);
  return root;
}

async function pipeline(root: string): Promise<{ summary?: RunSummary; error?: unknown; printed: string }> {
  let printed = "";
  const printer = new ProgressPrinter(new Writable({ write: (c: Buffer, _e, done) => ((printed += c.toString()), done()) }), false);
  try {
    return { summary: await runPipeline({ loadDuration: "1s" }, { cwd: root, write: () => undefined, printer }), printed };
  } catch (error) {
    return { error, printed };
  }
}

const stage = (summary: RunSummary | undefined, id: string) => summary?.stages.find((s) => s.id === id);
const lastGreen = (root: string) => (JSON.parse(readFileSync(join(root, ".horizon/state.json"), "utf8")) as { lastGreen?: { runId: string } }).lastGreen?.runId;

describe("horizon pipeline with no service to build", () => {
  it("a green run validates, scans, syncs deploy/ into a new manifests repo and records itself as the last green run", async () => {
    const root = await repo();
    const { summary, printed, error } = await pipeline(root);
    expect(error, printed).toBeUndefined();
    expect(summary?.status).toBe("passed");
    expect(stage(summary, "validate")?.status).toBe("passed");
    expect(stage(summary, "scan-secrets")?.status).toBe("passed");
    expect(stage(summary, "sync-manifests")?.summary).toContain("created .horizon/manifests from deploy/");
    expect(stage(summary, "release")?.summary).toBe("no service affected");
    expect(lastGreen(root)).toBe(summary?.runId);
    expect(existsSync(join(root, ".horizon/runs", summary?.runId ?? "", "dashboard.html"))).toBe(true);
    expect(printed).toContain("passed in");
  });

  it("a secret in docs fails the run (exit 1), keeps the last green run, and leaves the manifests repo as it was", async () => {
    const root = await repo();
    const first = await pipeline(root);
    const head = await run(join(root, ".horizon/manifests"), "rev-parse", "HEAD");
    writeFileSync(join(root, "notes.md"), `aws_access_key_id = AKIA${"QYLPMN5HFIQR7XYZ"}\n`);
    const base = join(root, "deploy/base/payment-service/deployment.yaml");
    writeFileSync(base, readFileSync(base, "utf8").replace(/^ {2}replicas: 1$/m, "  replicas: 2"));
    const { error } = await pipeline(root);
    expect(error).toBeInstanceOf(CheckFailedError);
    expect((error as Error).message).toContain("scan secrets");
    expect(lastGreen(root)).toBe(first.summary?.runId);
    // The deploy/ change was not taken up: a blocked run syncs nothing.
    expect(await run(join(root, ".horizon/manifests"), "rev-parse", "HEAD")).toBe(head);
  });
});
