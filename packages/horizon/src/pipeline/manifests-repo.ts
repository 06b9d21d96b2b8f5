import { cp, mkdir } from "node:fs/promises";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { git, gitText } from "../io/git.js";

/**
 * The local stand-in for the k8s-manifests repo: a real git repository made
 * from `deploy/` on first use. Afterwards it only changes by horizon release
 * commits, exactly as the real one does.
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
