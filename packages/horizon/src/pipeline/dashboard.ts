import { existsSync } from "node:fs";
import { join } from "node:path";
import { HORIZON_DIR, runReport } from "../commands/report/index.js";

// The pipeline's last step, `horizon report` on the run: here, since a command (pipeline) imports no other command.
export { HORIZON_DIR };

/** Writes the run's dashboard (runDir/dashboard.html, with the manifests repo's state when there is one) and returns its path. */
export function writeDashboard(root: string, runDir: string, manifestsDir: string): Promise<string> {
  return runReport({ run: runDir, manifests: existsSync(manifestsDir) ? manifestsDir : undefined, out: join(runDir, "dashboard.html") }, { cwd: root, write: () => undefined });
}
