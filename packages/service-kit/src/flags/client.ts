import type { EvaluationDetails, FlagValue } from "@openfeature/server-sdk";
import { OpenFeature } from "@openfeature/server-sdk";
import type { FlagDefinition } from "./definitions.js";
import type { FlagFileSource, SourceEvent } from "./source.js";
import { acquireSource, DEFAULT_RETRY_MS, releaseSource } from "./source.js";

/** Who a flag is evaluated for: flagd's `fractional` hashes `targetingKey`; rules read the other fields. */
export interface FlagContext {
  targetingKey?: string | undefined;
  [attribute: string]: string | number | boolean | undefined;
}

/** The log lines the client writes (a pino logger fits). */
export interface FlagsLogger {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
}

/** A service's typed, local view of its flags file. */
export interface FlagsClient {
  /** The flag's value for `context`: the file's variant, or the flag's coded default (never throws). */
  get<T extends boolean | number | string>(flag: FlagDefinition<T>, context?: FlagContext): Promise<T>;
  /** The path read, or undefined when FLAGS_FILE is unset. */
  readonly file: string | undefined;
  close(): Promise<void>;
}

export interface OpenFlagsOptions {
  /** FLAGS_FILE: a flagd flag-definition file; unset means every flag is at its coded default. */
  file?: string | undefined;
  logger: FlagsLogger;
  /** How often a missing or invalid file is looked at again (default 5 s, as the provider's own polling). */
  retryMs?: number | undefined;
}

function evaluationContext(context: FlagContext | undefined): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(context ?? {})) if (value !== undefined) out[key] = value;
  return out;
}

/**
 * Opens the flags of one service. Evaluation is local (flagd's rules run in
 * process); every fallback to a coded default is logged once per reason: a
 * missing or invalid file once per change of the file, an absent flag or a
 * value of the wrong type once per flag until the file changes.
 */
export async function openFlags(options: OpenFlagsOptions): Promise<FlagsClient> {
  const { logger } = options;
  if (options.file === undefined) {
    logger.info({ flagsFile: null }, "FLAGS_FILE is not set: every feature flag has its coded default");
    return { file: undefined, get: (flag) => Promise.resolve(flag.defaultValue), close: () => Promise.resolve() };
  }
  const source: FlagFileSource = await acquireSource(options.file, options.retryMs ?? DEFAULT_RETRY_MS);
  const file = source.path;
  let warned = new Set<string>();
  const report = (event: SourceEvent) => {
    warned = new Set();
    if (event.status === "ready") logger.info({ flagsFile: file }, "feature flags loaded");
    else if (event.status === "changed") logger.info({ flagsFile: file, flags: event.flags }, "feature flags changed");
    else logger.warn({ flagsFile: file, reason: event.reason }, `feature flags file unusable, every flag has its coded default: ${event.reason}`);
  };
  report(source.current);
  const unsubscribe = source.subscribe(report);
  const client = OpenFeature.getClient(source.domain);

  const warnOnce = (flag: FlagDefinition, why: string) => {
    if (warned.has(`${flag.key}\0${why}`)) return;
    warned.add(`${flag.key}\0${why}`);
    logger.warn({ flagsFile: file, flag: flag.key, default: flag.defaultValue }, `feature flag ${flag.key} has its coded default: ${why}`);
  };

  async function details(flag: FlagDefinition, context: Record<string, string | number | boolean>): Promise<EvaluationDetails<FlagValue>> {
    switch (flag.type) {
      case "boolean":
        return client.getBooleanDetails(flag.key, flag.defaultValue as boolean, context);
      case "number":
        return client.getNumberDetails(flag.key, flag.defaultValue as number, context);
      case "string":
        return client.getStringDetails(flag.key, flag.defaultValue as string, context);
    }
  }

  return {
    file,
    async get<T extends boolean | number | string>(flag: FlagDefinition<T>, context?: FlagContext): Promise<T> {
      if (source.current.status !== "ready") return flag.defaultValue;
      const result = await details(flag, evaluationContext(context));
      if (result.errorCode !== undefined) {
        warnOnce(flag, result.errorMessage ?? result.errorCode);
        return flag.defaultValue;
      }
      const value = result.value as T;
      if (flag.accepts !== undefined && !flag.accepts(value)) {
        warnOnce(flag, `the file's value ${JSON.stringify(value)} (variant ${result.variant ?? "?"}) is not one the service accepts`);
        return flag.defaultValue;
      }
      return value;
    },
    async close() {
      unsubscribe();
      await releaseSource(source);
    },
  };
}
