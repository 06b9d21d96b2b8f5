/**
 * What the command definitions (`<name>/command.ts`) share. Those files load
 * on every `horizon` call, so this one imports nothing but node:path.
 */
import { resolve } from "node:path";

/** The manifests repository's folder, from `--manifests`. Here, not in release/shared.ts, so read-only commands do not load the release machinery (holds: yaml and zod). */
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
