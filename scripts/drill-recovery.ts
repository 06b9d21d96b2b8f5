/**
 * `npm run drill:recovery`: the recovery drill of docs/runbooks/recovery.md. Makes a manifests repo from
 * deploy/ with a few releases (as the pipeline does), backs it up, destroys it, restores it from the bundle
 * with `horizon restore --verify`, checks every environment renders byte for byte as before, and prints the
 * recovery time. Needs git and kubectl.
 */
import { resolve } from "node:path";
import { runRecoveryDrill } from "../packages/horizon/src/pipeline/recovery-drill.js";
import { ExitError } from "../packages/horizon/src/errors.js";

const repoRoot = resolve(import.meta.dirname, "..");
try {
  await runRecoveryDrill({ repoRoot, write: (text) => void process.stdout.write(text) });
} catch (error) {
  process.stderr.write(`drill:recovery: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = error instanceof ExitError ? error.exitCode : 3;
}
