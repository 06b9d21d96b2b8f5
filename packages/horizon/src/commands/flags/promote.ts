import { InputError } from "../../errors.js";
import { sameJson, patchJson } from "../../gitops/flags-json.js";
import { describeFlag, readFlagFile } from "../../gitops/flags.js";
import { assertEnvironment } from "../../gitops/layout.js";
import { assertCleanRepository } from "../../gitops/repo.js";
import { manifestsRoot, type CommandContext } from "../cli-support.js";
import type { ApplyOptions, ReleaseOutcome } from "../shared/apply-plan.js";
import { applyFlagCommit } from "./shared.js";

export interface FlagsPromoteOptions extends ApplyOptions {
  manifests: string;
  from: string;
  to: string;
  breakGlass?: string;
}

/**
 * `horizon flags promote --from A --to B [KEY...]`: carries flag definitions from A's flag file to B's, as one
 * commit; by default every flag of A whose definition differs in B (flags only B has stay). Only the values that
 * differ are rewritten, so promoting a new default variant is a one-line diff.
 */
export async function runFlagsPromote(keys: readonly string[], options: FlagsPromoteOptions, context: CommandContext): Promise<ReleaseOutcome> {
  const root = manifestsRoot(context.cwd, options.manifests);
  if (options.from === options.to) throw new InputError(`--from and --to are both ${options.from}`);
  if (!options.dryRun) await assertCleanRepository(root);
  assertEnvironment(root, options.from);
  assertEnvironment(root, options.to);
  const source = readFlagFile(root, options.from);
  const target = readFlagFile(root, options.to);
  for (const key of keys) if (!(key in source.flags)) throw new InputError(`${source.path} has no flag "${key}" (flags: ${Object.keys(source.flags).join(", ") || "none"})`);
  const named = keys.length > 0 ? [...new Set(keys)] : Object.keys(source.flags);
  const moving = named.filter((key) => !sameJson(source.flags[key], target.flags[key]));
  let text = target.text;
  for (const key of moving) text = patchJson(text, ["flags", key], source.flags[key]);
  const flags = moving.map((key) => ({ key, value: describeFlag(source.flags[key]) }));
  return applyFlagCommit(
    root,
    {
      environment: options.to,
      promotedFrom: options.from,
      before: target.text,
      after: text,
      subject: `flag(${options.to}): promote ${moving.join(", ")} from ${options.from}`,
      body: moving.map((key) => `${key}: ${describeFlag(target.flags[key])} -> ${describeFlag(source.flags[key])}`),
      flags,
    },
    options,
    context,
    "flags promote",
    `${options.to} already has ${options.from}'s ${keys.length > 0 ? `definition of ${named.join(", ")}` : "flags"}; nothing to commit`,
  );
}
