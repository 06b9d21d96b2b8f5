import type { Command } from "commander";
import { registerHistory } from "./history.js";
import { registerPromote } from "./promote.js";
import { registerRollback } from "./rollback.js";
import { registerSetImage } from "./set-image.js";
import { registerUnhold } from "./unhold.js";

export function registerRelease(program: Command): void {
  const release = program
    .command("release")
    .description("GitOps releases in the manifests repo: set-image, promote, rollback, unhold, history (each change is one git commit)");
  registerSetImage(release);
  registerPromote(release);
  registerRollback(release);
  registerUnhold(release);
  registerHistory(release);
}
