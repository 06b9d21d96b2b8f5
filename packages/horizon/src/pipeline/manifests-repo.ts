import { cp, mkdir, readFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { assertCleanRepository, commitEdits } from "../gitops/repo.js";
import { planSync } from "../gitops/sync.js";
import { git, gitText } from "../io/git.js";
import { listFiles } from "../validate/files.js";

/**
 * The local stand-in for the k8s-manifests repo: a real git repository made
 * from `deploy/` on first use. Afterwards it changes by horizon release
 * commits and by syncs of `deploy/` (`syncManifestsRepo`), exactly as the
 * real one does.
 */
export async function ensureManifestsRepo(root: string, dir: string): Promise<{ created: boolean }> {
  if (existsSync(join(dir, ".git"))) return { created: false };
  await mkdir(dir, { recursive: true });
  await cp(join(root, "deploy"), dir, { recursive: true });
  await git(["init", "--quiet", "--initial-branch=main"], { cwd: dir });
  // A machine without a git identity still gets commits; the user's identity wins where there is one.
  const email = await gitText(["config", "user.email"], { cwd: dir }).catch(() => "");
  if (!email) {
    await git(["config", "user.email", "pipeline@horizon.local"], { cwd: dir });
    await git(["config", "user.name", "horizon pipeline"], { cwd: dir });
  }
  await git(["add", "--all"], { cwd: dir });
  await git(["commit", "--quiet", "--no-verify", "-m", "Manifests repository, created from deploy/ by horizon pipeline"], { cwd: dir });
  return { created: true };
}

async function readAll(dir: string, paths: readonly string[]): Promise<Map<string, string>> {
  return new Map(await Promise.all(paths.map(async (p): Promise<[string, string]> => [p, await readFile(join(dir, p), "utf8")])));
}

export interface SyncResult {
  commit?: string;
  changed: string[];
  removed: string[];
}

/**
 * Takes up every change of `deploy/` into the manifests repo as one commit
 * (`Horizon-Action: sync`), keeping what the manifests repo owns (images,
 * version labels, holds, policy, flags; gitops/sync.ts). Nothing to take
 * up: no commit.
 */
export async function syncManifestsRepo(root: string, dir: string, sourceCommit: string): Promise<SyncResult> {
  await assertCleanRepository(dir);
  const deploy = await readAll(join(root, "deploy"), await listFiles(join(root, "deploy"), ".", () => true));
  const tracked = (await gitText(["ls-files", "-z"], { cwd: dir })).split("\0").filter(Boolean);
  const plan = planSync(deploy, await readAll(dir, tracked));
  const changed = plan.edits.map((e) => e.path);
  if (changed.length === 0 && plan.deletions.length === 0) return { changed, removed: [] };

  const files = changed.length + plan.deletions.length;
  const message = [
    `Sync deploy/ into the manifests repository (${files} ${files === 1 ? "file" : "files"})`,
    "",
    ...(changed.length ? [`Changed: ${changed.join(", ")}`] : []),
    ...(plan.deletions.length ? [`Removed: ${plan.deletions.join(", ")}`] : []),
    "",
    "Horizon-Action: sync",
    `Horizon-Source-Commit: deploy ${sourceCommit}`,
    "",
  ].join("\n");
  const commit = await commitEdits(dir, plan.edits, message, plan.deletions);
  return { commit, changed, removed: plan.deletions };
}
