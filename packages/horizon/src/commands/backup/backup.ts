import { writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { InputError } from "../../errors.js";
import { auditTrail, signatureRecord } from "../../gitops/bundle-audit.js";
import { assertEmptyTarget, createVerifiedBundle, writeAtomically } from "../../gitops/bundle.js";
import { BACKUP_FORMAT, BACKUP_RECORD, bundleFile } from "../../gitops/bundle-record.js";
import type { BackupRecord, BundleRecord, RepositoryName } from "../../gitops/bundle-record.js";
import { assertGitRepository } from "../../gitops/repo.js";
import { gitText } from "../../io/git.js";
import type { WarningContext } from "../cli-support.js";

export interface BackupOptions {
  manifests: string;
  /** The application repository (quality gates, workflows, deploy/). */
  repo?: string;
  out: string;
  json?: boolean;
}

async function bundleOf(name: RepositoryName, repo: string, dir: string, signatures: boolean): Promise<BundleRecord> {
  const file = bundleFile(name);
  const facts = await createVerifiedBundle(repo, join(dir, file));
  return { file, ...facts, ...(signatures ? { signatures: signatureRecord(await auditTrail(repo)) } : {}) };
}

/**
 * `horizon backup`: a verified `git bundle` of the manifests repo (and with --repo of the application
 * repository) and `manifest.json` of their checksums, sizes, HEADs and the record's signature statuses,
 * written to a new folder all at once.
 */
export async function runBackup(options: BackupOptions, context: WarningContext): Promise<BackupRecord> {
  const manifests = resolve(context.cwd, options.manifests);
  const repo = options.repo === undefined ? undefined : resolve(context.cwd, options.repo);
  const out = resolve(context.cwd, options.out);
  await assertGitRepository(manifests);
  if (repo !== undefined) await assertGitRepository(repo).catch(() => {
    throw new InputError(`--repo ${repo} is not a git repository with at least one commit`);
  });
  assertEmptyTarget(out, "--out");
  for (const [name, dir] of [["manifests", manifests], ["application", repo]] as const) {
    if (dir === undefined) continue;
    const dirty = await gitText(["status", "--porcelain", "--untracked-files=no"], { cwd: dir });
    if (dirty) context.warn(`horizon backup: the ${name} repository ${dir} has uncommitted changes; the bundle holds commits only\n`);
  }
  const record = await writeAtomically(out, async (dir) => {
    // One after the other: a failure stops before the next bundle writes into the folder being removed.
    const manifestsBundle = await bundleOf("manifests", manifests, dir, true);
    const applicationBundle = repo === undefined ? undefined : await bundleOf("application", repo, dir, false);
    const result: BackupRecord = {
      format: BACKUP_FORMAT,
      createdAt: (context.now?.() ?? new Date()).toISOString(),
      sources: { manifests, ...(repo === undefined ? {} : { application: repo }) },
      bundles: { manifests: manifestsBundle, ...(applicationBundle ? { application: applicationBundle } : {}) },
    };
    await writeFile(join(dir, BACKUP_RECORD), `${JSON.stringify(result, null, 2)}\n`);
    return result;
  });
  if (options.json) context.write(`${JSON.stringify(record, null, 2)}\n`);
  else {
    for (const b of Object.values(record.bundles)) {
      if (!b) continue;
      context.write(`${join(out, b.file)}: ${b.size} bytes, sha256 ${b.sha256}, HEAD ${b.head.slice(0, 12)}${b.branch ? ` (${b.branch})` : ""}, ${b.commits} commits, ${Object.keys(b.refs).length} refs, verified\n`);
    }
    context.write(`${join(out, BACKUP_RECORD)}: the checksums; restore with horizon restore --from ${out} --into <new folder> --verify\n`);
  }
  return record;
}
