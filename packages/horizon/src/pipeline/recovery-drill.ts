import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CheckFailedError, InputError } from "../errors.js";
import { auditTrail, whatRuns } from "../gitops/bundle-audit.js";
import type { RunningImage } from "../gitops/bundle-audit.js";
import { imageOf, listEnvironments, readServiceManifest } from "../gitops/manifests.js";
import { parseImageRef, formatImageRef } from "../gitops/image-ref.js";
import { ensureManifestsRepo } from "./manifests-repo.js";
import { findExecutable, runTool, toolMessage } from "../io/process.js";
import { runBackup } from "../commands/backup/backup.js";
import { runPromote } from "../commands/release/promote.js";
import { runRollback } from "../commands/release/rollback.js";
import { runSetImage } from "../commands/release/set-image.js";
import type { CommandContext } from "../commands/cli-support.js";
import { runRestore } from "../commands/restore/restore.js";

/**
 * The recovery drill (`npm run drill:recovery`, docs/runbooks/recovery.md): a manifests repo made from
 * deploy/ as the pipeline makes it, a few releases by horizon's own functions (set-image, promote, rollback),
 * a backup, the repo destroyed, a restore with --verify from the bundle, and every environment rendered
 * before and after, byte for byte. Needs git and kubectl; nothing else (it runs on a clean clone).
 */

interface DrillOptions {
  /** The application repository (its deploy/ seeds the manifests repo). */
  repoRoot: string;
  /** Where to work; default a new temporary folder, removed afterwards. */
  work?: string;
  kubectl?: string;
  write: (text: string) => void;
}

interface DrillResult {
  releases: string[];
  backupMs: number;
  backupBytes: number;
  /** From the repo's loss to a verified restore: checksums, rebuild, signatures, render, validate, what runs. */
  recoveryMs: number;
  environments: Array<{ environment: string; bytes: number; identical: boolean }>;
  running: RunningImage[];
}

const DRILL_SERVICES = ["campaign-service", "payment-service"] as const;
const BREAK_GLASS = "recovery drill: promotion policy (soak, windows) does not apply to a rehearsal";

async function renderAll(root: string, kubectl: string): Promise<Map<string, string>> {
  const renders = new Map<string, string>();
  for (const environment of listEnvironments(root)) {
    const result = await runTool(kubectl, ["kustomize", join("environments", environment)], root);
    if (result.exitCode !== 0) throw new CheckFailedError(`kubectl kustomize environments/${environment} failed: ${toolMessage(result.stderr || result.stdout)}`);
    renders.set(environment, result.stdout);
  }
  return renders;
}

/** The service's image in development with its tag replaced: what CI would push for `commit`. */
function imageFor(root: string, service: string, commit: string): string {
  const ref = parseImageRef(imageOf(readServiceManifest(root, "development", service)));
  return formatImageRef({ ...ref, tag: commit, digest: undefined });
}

/** The releases the pipeline would make: two builds, promoted to staging and production, and a rollback in development. */
async function release(root: string, context: CommandContext): Promise<string[]> {
  const done: string[] = [];
  const commits = ["1".repeat(40), "2".repeat(40)];
  for (const service of DRILL_SERVICES) {
    const image = imageFor(root, service, commits[0] ?? "");
    await runSetImage({ manifests: root, env: "development", service, image, sourceSha: commits[0], sourceTime: new Date().toISOString(), gates: "passed" }, context);
    done.push(`set-image development ${service} ${image}`);
  }
  for (const [from, to] of [["development", "staging"], ["staging", "production"]] as const) {
    await runPromote({ manifests: root, from, to, service: [...DRILL_SERVICES], breakGlass: BREAK_GLASS }, context);
    done.push(`promote ${from} -> ${to} ${DRILL_SERVICES.join(", ")}`);
  }
  const [first] = DRILL_SERVICES;
  const next = imageFor(root, first, commits[1] ?? "");
  await runSetImage({ manifests: root, env: "development", service: first, image: next, sourceSha: commits[1], sourceTime: new Date().toISOString(), gates: "passed" }, context);
  done.push(`set-image development ${first} ${next}`);
  await runRollback({ manifests: root, env: "development", service: first, cause: "canary-failed" }, context);
  done.push(`rollback development ${first} (holds ${next})`);
  return done;
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

export async function runRecoveryDrill(options: DrillOptions): Promise<DrillResult> {
  const kubectl = options.kubectl ?? (await findExecutable("kubectl"));
  if (kubectl === undefined) throw new InputError("the recovery drill renders every environment with kubectl kustomize: kubectl is not on PATH");
  const work = options.work ?? (await mkdtemp(join(tmpdir(), "horizon-drill-")));
  const quiet: CommandContext & { warn: (text: string) => void } = { cwd: work, write: () => undefined, warn: () => undefined };
  // What restore prints is what a person sees in a real recovery: the drill shows it after its own lines.
  let restoreOutput = "";
  const shown = (text: string): void => void (restoreOutput += text);
  try {
    const manifests = join(work, "manifests");
    await ensureManifestsRepo(options.repoRoot, manifests);
    const releases = await release(manifests, quiet);
    const before = await renderAll(manifests, kubectl);
    const runningBefore = whatRuns(manifests, await auditTrail(manifests));

    const backupStart = performance.now();
    const record = await runBackup({ manifests, out: join(work, "backup") }, quiet);
    const backupMs = performance.now() - backupStart;

    // The disaster: the manifests repo is gone (and with it what Argo CD syncs from).
    await rm(manifests, { recursive: true, force: true });

    const start = performance.now();
    const restored = await runRestore({ from: join(work, "backup"), into: join(work, "restored"), verify: true, kubectl }, { ...quiet, write: shown });
    const recoveryMs = performance.now() - start;

    const root = join(work, "restored", "manifests");
    const after = await renderAll(root, kubectl);
    const environments = [...new Set([...before.keys(), ...after.keys()])].map((environment) => ({
      environment,
      bytes: before.get(environment)?.length ?? 0,
      identical: before.get(environment) === after.get(environment),
    }));
    const running = restored.verification?.running ?? [];
    const differ = environments.filter((e) => !e.identical).map((e) => e.environment);
    if (differ.length > 0) throw new CheckFailedError(`recovery drill: the restored ${differ.join(", ")} render differently from before the loss`);
    if (JSON.stringify(running) !== JSON.stringify(runningBefore)) throw new CheckFailedError("recovery drill: the restored repository would run other images than before the loss");

    const write = options.write;
    write(`recovery drill: a manifests repository from deploy/, ${releases.length} releases:\n${releases.map((r) => `  ${r}\n`).join("")}`);
    write(`backup: ${record.bundles.manifests.size} bytes, ${record.bundles.manifests.commits} commits, in ${seconds(backupMs)}; the repository destroyed\n`);
    write(`\n$ horizon restore --from backup --into restored --verify\n${restoreOutput}\n`);
    for (const e of environments) write(`environments/${e.environment}: ${e.bytes} rendered bytes, byte-identical to before the loss\n`);
    write(`recovery time: ${seconds(recoveryMs)} (restore, verify, render and validate; the spec's bound is 30 min)\n`);
    return { releases, backupMs, backupBytes: record.bundles.manifests.size, recoveryMs, environments, running };
  } finally {
    if (options.work === undefined) await rm(work, { recursive: true, force: true });
  }
}
