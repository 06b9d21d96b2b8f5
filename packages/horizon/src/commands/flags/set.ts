import { assertEnvironment } from "../../gitops/layout.js";
import { parseRollout, planFlagSet, readFlagFile } from "../../gitops/flags.js";
import { assertCleanRepository } from "../../gitops/repo.js";
import { manifestsRoot, type CommandContext } from "../cli-support.js";
import type { ApplyOptions, ReleaseOutcome } from "../shared/apply-plan.js";
import { applyFlagCommit } from "./shared.js";

export interface FlagsSetOptions extends ApplyOptions {
  manifests: string;
  env: string;
  variant: string;
  rollout?: string;
  breakGlass?: string;
}

/** `horizon flags set KEY --variant V [--rollout P%]`: one flag of one environment, as one commit. */
export async function runFlagsSet(key: string, options: FlagsSetOptions, context: CommandContext): Promise<ReleaseOutcome> {
  const root = manifestsRoot(context.cwd, options.manifests);
  const percent = parseRollout(options.rollout);
  if (!options.dryRun) await assertCleanRepository(root);
  assertEnvironment(root, options.env);
  const file = readFlagFile(root, options.env);
  const result = planFlagSet(file, key, options.variant, percent);
  const kept = result.keptTargeting ? [`${key} keeps its targeting rules: they still choose a variant for the evaluations they match.`] : [];
  return applyFlagCommit(
    root,
    {
      environment: options.env,
      before: file.text,
      after: result.text,
      subject: `flag(${options.env}): ${key} ${result.after}`,
      body: [`${key}: ${result.before} -> ${result.after}`, ...kept],
      flags: [{ key, value: result.after }],
    },
    options,
    context,
    "flags set",
    `${key} in ${options.env} already serves ${result.after}; nothing to commit`,
  );
}
