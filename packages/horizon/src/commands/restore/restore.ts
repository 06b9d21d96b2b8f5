import { existsSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { z } from "zod";
import { CheckFailedError, InputError } from "../../errors.js";
import { auditTrail, signatureMismatches, signatureRecord, whatRuns } from "../../gitops/bundle-audit.js";
import type { RunningImage, SignatureMismatch } from "../../gitops/bundle-audit.js";
import { assertEmptyTarget, restoreBundle, sha256File, writeAtomically } from "../../gitops/bundle.js";
import { BACKUP_RECORD, BackupRecordSchema, REPOSITORIES } from "../../gitops/bundle-record.js";
import type { BackupRecord, BundleRecord, RepositoryName } from "../../gitops/bundle-record.js";
import { listEnvironments } from "../../gitops/manifests.js";
import { gitText } from "../../io/git.js";
import { formatFinding, validateRepository } from "../../validate/index.js";
import { findExecutable, runTool, toolMessage } from "../../io/process.js";
import type { WarningContext } from "../cli-support.js";

export interface RestoreOptions {
  from: string;
  into: string;
  verify?: boolean;
  json?: boolean;
  /** kubectl to render with; default: the first on PATH; null: none (as on a machine without it). */
  kubectl?: string | null;
}

interface RestoredRepository {
  name: RepositoryName;
  dir: string;
  head: string;
  branch: string | null;
  commits: number;
}

interface EnvironmentRender {
  environment: string;
  /** Rendered objects (`kubectl kustomize environments/<env>`); null when kubectl is absent. */
  objects: number | null;
}

interface RestoreVerification {
  signatures: { checked: number; mismatches: SignatureMismatch[] };
  environments: EnvironmentRender[];
  /** `horizon validate` of the restored manifests repo: its findings. */
  findings: string[];
  skipped: string[];
  running: RunningImage[];
}

interface RestoreOutcome {
  into: string;
  createdAt: string;
  repositories: RestoredRepository[];
  verification?: RestoreVerification;
}

function readRecord(from: string): BackupRecord {
  if (!existsSync(from) || !statSync(from).isDirectory()) throw new InputError(`--from ${from} is not a folder (a horizon backup: *.bundle and ${BACKUP_RECORD})`);
  const path = join(from, BACKUP_RECORD);
  if (!existsSync(path)) throw new InputError(`${path} is missing: --from names the folder horizon backup wrote`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new InputError(`${path} is not JSON: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const parsed = BackupRecordSchema.safeParse(json);
  if (!parsed.success) throw new InputError(`${path} is not a horizon backup record: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** Every bundle the record names exists and has the recorded size and sha256; otherwise exit 2 naming the file. */
async function checkBundles(from: string, record: BackupRecord): Promise<Array<[RepositoryName, BundleRecord, string]>> {
  const bundles: Array<[RepositoryName, BundleRecord, string]> = [];
  for (const name of REPOSITORIES) {
    const bundle = record.bundles[name];
    if (!bundle) continue;
    const file = join(from, bundle.file);
    if (!existsSync(file)) throw new InputError(`${file} is missing: ${BACKUP_RECORD} lists it as the ${name} repository's bundle`);
    const size = statSync(file).size;
    const sha256 = await sha256File(file);
    if (sha256 !== bundle.sha256 || size !== bundle.size) {
      throw new InputError(`${file} does not match ${BACKUP_RECORD}: sha256 ${sha256} (${size} bytes), recorded ${bundle.sha256} (${bundle.size} bytes); the file is damaged or not this backup's`);
    }
    bundles.push([name, bundle, file]);
  }
  return bundles;
}

async function renderEnvironments(root: string, kubectl: string | undefined): Promise<EnvironmentRender[]> {
  const renders: EnvironmentRender[] = [];
  for (const environment of listEnvironments(root)) {
    if (kubectl === undefined) {
      renders.push({ environment, objects: null });
      continue;
    }
    const result = await runTool(kubectl, ["kustomize", join("environments", environment)], root);
    if (result.exitCode !== 0) throw new CheckFailedError(`the restored environments/${environment} does not render: kubectl kustomize: ${toolMessage(result.stderr || result.stdout)}`);
    renders.push({ environment, objects: (result.stdout.match(/^kind: /gm) ?? []).length });
  }
  return renders;
}

async function verify(dir: string, record: BundleRecord, kubectl: string | undefined): Promise<RestoreVerification> {
  const entries = await auditTrail(dir);
  const recorded = record.signatures ?? {};
  const mismatches = signatureMismatches(recorded, signatureRecord(entries));
  // A history whose signatures changed is not the one backed up: say so before spending time on renders.
  if (mismatches.length > 0) throw new CheckFailedError(notVerified(problems({ signatures: { checked: 0, mismatches }, findings: [] })));
  const environments = await renderEnvironments(dir, kubectl);
  const report = await validateRepository(dir, { deployDir: ".", kubectl });
  const skipped = [...(kubectl === undefined ? ["kubectl not found: environments not rendered (as Argo CD would render them) nor checked against a cluster; install kubectl and run restore --verify again"] : []), ...report.skipped];
  return { signatures: { checked: Object.keys(recorded).length, mismatches }, environments, findings: report.findings.map(formatFinding), skipped, running: whatRuns(dir, entries) };
}

const notVerified = (found: readonly string[]): string =>
  `the restored manifests repository does not verify (nothing written to --into; restore without --verify to inspect it):\n  ${found.join("\n  ")}`;

function problems(v: Pick<RestoreVerification, "signatures" | "findings">): string[] {
  return [
    ...v.signatures.mismatches.slice(0, 10).map((m) => `commit ${m.commit}: signature status ${m.restored ?? "absent"} after the restore, ${m.recorded ?? "absent"} in the backup's record`),
    ...(v.signatures.mismatches.length > 10 ? [`... and ${v.signatures.mismatches.length - 10} more commits whose signature status differs`] : []),
    ...v.findings,
  ];
}

function describe(outcome: RestoreOutcome): string {
  const lines = outcome.repositories.map((r) => `restored ${r.name} repository into ${r.dir}: HEAD ${r.head.slice(0, 12)}${r.branch ? ` (${r.branch})` : " (detached)"}, ${r.commits} commits`);
  const v = outcome.verification;
  if (v) {
    lines.push(`signatures: ${v.signatures.checked} commits of the record, ${v.signatures.mismatches.length} differ`);
    for (const e of v.environments) lines.push(`environments/${e.environment}: ${e.objects === null ? "not rendered (no kubectl)" : `renders ${e.objects} objects`}`);
    lines.push(`horizon validate: ${v.findings.length} finding(s)`);
    for (const note of v.skipped) lines.push(`skipped: ${note}`);
    lines.push("", "what each environment would run once Argo CD syncs it:");
    for (const r of v.running) {
      const since = r.since ? `since ${r.since.at} (${r.since.action} ${r.since.commit.slice(0, 12)})` : "since the first commit";
      const held = r.hold ? `  HELD (${r.hold.reason || "no reason"}): roll it back before Argo CD syncs: horizon release rollback --env ${r.environment} --service ${r.service}` : "";
      lines.push(`  ${r.environment.padEnd(12)} ${r.service.padEnd(22)} ${r.image}  ${since}${held}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

/**
 * `horizon restore`: checks the backup's checksums, rebuilds each repository from its bundle in a hidden
 * sibling of --into and, with --verify, checks the signature status of every commit of the record against
 * the backup's, renders and validates every environment and says what each would run; only then renames it
 * to --into. Bad input (a missing bundle, a checksum mismatch, a non-empty --into) is exit 2; a restore that
 * does not verify is exit 1; either way nothing is left at --into.
 */
export async function runRestore(options: RestoreOptions, context: WarningContext): Promise<RestoreOutcome> {
  const from = resolve(context.cwd, options.from);
  const into = resolve(context.cwd, options.into);
  const record = readRecord(from);
  assertEmptyTarget(into, "--into");
  const bundles = await checkBundles(from, record);
  const kubectl = options.verify && options.kubectl !== null ? (options.kubectl ?? (await findExecutable("kubectl"))) : undefined;
  const outcome = await writeAtomically(into, async (dir) => {
    const repositories: RestoredRepository[] = [];
    for (const [name, bundle, file] of bundles) {
      const target = join(dir, name);
      await restoreBundle(file, target, bundle.head, bundle.branch);
      const head = await gitText(["rev-parse", "HEAD"], { cwd: target });
      const commits = Number(await gitText(["rev-list", "--all", "--count"], { cwd: target }));
      if (head !== bundle.head || commits !== bundle.commits) {
        throw new CheckFailedError(`the ${name} repository restored from ${file} has HEAD ${head} and ${commits} commits; ${BACKUP_RECORD} records ${bundle.head} and ${bundle.commits}`);
      }
      repositories.push({ name, dir: join(into, name), head, branch: bundle.branch, commits });
    }
    const result: RestoreOutcome = { into, createdAt: record.createdAt, repositories };
    if (options.verify) {
      result.verification = await verify(join(dir, "manifests"), record.bundles.manifests, kubectl);
      const found = problems(result.verification);
      if (found.length > 0) throw new CheckFailedError(notVerified(found));
    }
    return result;
  });
  context.write(options.json ? `${JSON.stringify(outcome, null, 2)}\n` : describe(outcome));
  return outcome;
}
