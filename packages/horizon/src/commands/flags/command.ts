import type { Command } from "commander";
import { processIo } from "../cli-support.js";
import type { FlagsPromoteOptions } from "./promote.js";
import type { FlagsSetOptions } from "./set.js";

/** Options both flag commands have: they write the manifests repo like the release commands. */
function writingOptions(command: Command): Command {
  return command
    .requiredOption("--manifests <dir>", "the manifests repository (a git work tree)")
    .option("--break-glass <reason>", "change the flag although promotion-policy.yaml refuses (the environment is frozen or outside its windows); recorded")
    .option("--push", "push the commit; if someone pushed first, fetch, rebase and retry (never force)")
    .option("--dry-run", "print the plan (file and commit message) and change nothing")
    .option("--json", "print the outcome as JSON");
}

export function registerFlags(program: Command): void {
  const flags = program
    .command("flags")
    .description("feature flags released like images: environments/<env>/flags.flagd.json (flagd's format) edited as one recorded commit each");

  writingOptions(
    flags
      .command("set")
      .description("serve one variant of a flag in one environment, or roll it out to a percentage (flagd's fractional, by targeting key)")
      .argument("<key>", "the flag")
      .requiredOption("--env <env>", "environment folder under environments/")
      .requiredOption("--variant <name>", "the variant to serve (one of the flag's variants)")
      .option("--rollout <percent>", "serve the variant to this share of targeting keys (e.g. 10%), the current default to the rest"),
  ).action(async (key: string, options: FlagsSetOptions) => {
    const { runFlagsSet } = await import("./set.js");
    await runFlagsSet(key, options, processIo());
  });

  writingOptions(
    flags
      .command("promote")
      .description("carry flag definitions from one environment's flag file to the next one's (only what differs is rewritten)")
      .argument("[keys...]", "the flags to promote (default: every flag whose definition differs)")
      .requiredOption("--from <env>", "source environment")
      .requiredOption("--to <env>", "target environment"),
  ).action(async (keys: string[], options: FlagsPromoteOptions) => {
    const { runFlagsPromote } = await import("./promote.js");
    await runFlagsPromote(keys, options, processIo());
  });
}
