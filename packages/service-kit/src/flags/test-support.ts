import { mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FlagsLogger } from "./client.js";

/** A flagd flag-definition document (https://flagd.dev/schema/v0/flags.json). */
export function flagsDocument(flags: Record<string, unknown>): string {
  return JSON.stringify({ $schema: "https://flagd.dev/schema/v0/flags.json", flags }, null, 2);
}

/** A flag of `variants` with `defaultVariant` and optional targeting, as flagd's format writes it. */
export function flag(variants: Record<string, unknown>, defaultVariant: string, targeting?: unknown): Record<string, unknown> {
  return { state: "ENABLED", variants, defaultVariant, ...(targeting === undefined ? {} : { targeting }) };
}

/** A temporary folder for one flags file; `write` replaces the file the way kubelet does (a new file renamed over it). */
export async function flagsDir() {
  const dir = await mkdtemp(join(tmpdir(), "bh-flags-"));
  const path = join(dir, "flags.flagd.json");
  let n = 0;
  return {
    path,
    async write(text: string) {
      const next = join(dir, `.next-${n++}`);
      await writeFile(next, text);
      await rename(next, path);
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** A logger that keeps what it was told. */
export function recordingLogger() {
  const lines: { level: "info" | "warn"; message: string; object: Record<string, unknown> }[] = [];
  const logger: FlagsLogger = {
    info: (object, message) => lines.push({ level: "info", message, object: object as Record<string, unknown> }),
    warn: (object, message) => lines.push({ level: "warn", message, object: object as Record<string, unknown> }),
  };
  return { logger, lines, warnings: () => lines.filter((line) => line.level === "warn") };
}
