/**
 * What the commands share that costs nothing to load: the command definitions
 * (`<name>/command.ts`) load on every `horizon` call, so this one imports
 * nothing but node:path. Shared code that loads more lives in `shared/`;
 * a command imports no other command (eslint.config.js).
 */
import { resolve } from "node:path";

/** The manifests repository's folder, from `--manifests`. Here, not in shared/apply-plan.ts, so read-only commands do not load the release machinery (holds: yaml and zod). */
export const manifestsRoot = (cwd: string, dir: string): string => resolve(cwd, dir);

/** Commander's parser for a repeatable option: each use adds one value. */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** The process's own working directory and streams, for a command's context. */
export interface ProcessIo {
  cwd: string;
  write: (text: string) => void;
  warn: (text: string) => void;
}

export const processIo = (): ProcessIo => ({
  cwd: process.cwd(),
  write: (text) => void process.stdout.write(text),
  warn: (text) => void process.stderr.write(text),
});

/** What a command needs from the outside; tests pass their own. */
export interface CommandContext {
  cwd: string;
  write: (text: string) => void;
  now?: () => Date;
}

/** A command's context that also warns (backup, restore, changed). */
export interface WarningContext extends CommandContext {
  warn: (text: string) => void;
}
