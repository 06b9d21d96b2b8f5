import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import { FlagdProvider } from "@openfeature/flagd-provider";
import type { Logger as OpenFeatureLogger } from "@openfeature/server-sdk";
import { NOOP_PROVIDER, OpenFeature, ProviderEvents } from "@openfeature/server-sdk";

/** What a flags file gives right now: its flags, or nothing (every flag at its coded default) and why. */
type SourceState = { status: "ready" } | { status: "fallback"; reason: string };

export type SourceEvent = SourceState | { status: "changed"; flags: readonly string[] };

/** How often a missing or invalid file is checked again (the provider itself polls a good file every ~5 s). */
export const DEFAULT_RETRY_MS = 5_000;

/** Why the provider refused the file, with flagd-core's detail (its ParseError carries it as `cause`). */
function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
  return `${error.message}${cause}`;
}

/** Changes when the file is replaced, rewritten or removed (a ConfigMap update swaps a symlink: the inode changes). */
async function fileVersion(path: string): Promise<string> {
  try {
    const s = await stat(path);
    return `${s.ino}:${s.size}:${s.mtimeMs}`;
  } catch {
    return "missing";
  }
}

const noop = () => undefined;
let opened = 0;

/**
 * One flagd flags file, read by `@openfeature/flagd-provider` in its
 * in-process file mode and bound to its own OpenFeature domain. The provider
 * evaluates locally and re-reads the file when `fs.watchFile` sees it change
 * (every ~5 s, flagd-provider `file-fetch.ts`). What the provider does not do,
 * this does: a file missing or invalid at start is retried when it changes
 * (the provider starts watching only after a good first read), and a file
 * that breaks later drops every flag to its coded default (the provider would
 * keep the last good flags) until it changes again.
 *
 * Shared by every client of the same path in the process (the launcher runs
 * all services in one): the provider's close calls `fs.unwatchFile(path)`,
 * which would stop the watchers of every other provider of that path too.
 */
export class FlagFileSource {
  readonly domain: string;
  private state: SourceState = { status: "fallback", reason: "not read yet" };
  private readonly listeners = new Set<(event: SourceEvent) => void>();
  private provider: FlagdProvider | undefined;
  private generation = 0;
  private version = "";
  private retry: NodeJS.Timeout | undefined;
  private checking = false;
  private users = 0;
  private closed = false;
  readonly loaded: Promise<void>;

  constructor(
    readonly path: string,
    private readonly retryMs: number,
  ) {
    // One domain per source: a source opened again for a path never shares the closed one's binding.
    this.domain = `blessed-horizon-flags:${path}#${++opened}`;
    this.loaded = this.load();
  }

  get current(): SourceState {
    return this.state;
  }

  subscribe(listener: (event: SourceEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: SourceEvent): void {
    if (event.status !== "changed") this.state = event;
    for (const listener of this.listeners) listener(event);
  }

  private async load(): Promise<void> {
    this.stopRetrying();
    const generation = ++this.generation;
    // Taken before the provider reads: a change during the read is seen by the next check.
    this.version = await fileVersion(this.path);
    if (generation !== this.generation) return; // closed meanwhile
    const provider = new FlagdProvider({ resolverType: "in-process", offlineFlagSourcePath: this.path }, this.providerLogger(generation));
    provider.events.addHandler(ProviderEvents.ConfigurationChanged, (details) => {
      const flags: unknown = details?.flagsChanged;
      if (generation === this.generation && this.state.status === "ready") this.emit({ status: "changed", flags: Array.isArray(flags) ? flags.map(String) : [] });
    });
    this.provider = provider;
    try {
      await OpenFeature.setProviderAndWait(this.domain, provider);
      if (generation === this.generation) this.emit({ status: "ready" });
    } catch (error) {
      if (generation === this.generation) this.fallBack(reasonOf(error));
    }
    // Closed while the provider was reading: its fs.watchFile would keep the process alive.
    if (this.closed) await provider.onClose();
  }

  /**
   * The provider reports a bad re-read only in a log line (file-fetch.ts:
   * `Error reading file: ${err}`) and keeps its last good flags.
   */
  private providerLogger(generation: number): OpenFeatureLogger {
    return {
      error: (...args: unknown[]) => {
        const text = args.map(String).join(" ");
        // Read again with a fresh provider: it fails with flagd-core's detail and falls back (one log line).
        if (text.startsWith("Error reading file") && generation === this.generation && this.state.status === "ready") void this.load();
      },
      warn: noop,
      info: noop,
      debug: noop,
    };
  }

  private fallBack(reason: string): void {
    this.emit({ status: "fallback", reason });
    this.stopRetrying();
    this.retry = setInterval(() => void this.checkForChange(), this.retryMs);
    this.retry.unref();
  }

  private async checkForChange(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      if ((await fileVersion(this.path)) !== this.version) await this.load();
    } finally {
      this.checking = false;
    }
  }

  private stopRetrying(): void {
    if (this.retry !== undefined) clearInterval(this.retry);
    this.retry = undefined;
  }

  /** No client uses it any more (it is closing or closed). */
  get idle(): boolean {
    return this.users === 0;
  }

  acquire(): this {
    this.users += 1;
    return this;
  }

  /** Closes the provider when this was the last user (the count drops before the first await). */
  async release(): Promise<void> {
    this.users -= 1;
    if (this.users > 0) return;
    this.closed = true;
    this.generation += 1;
    this.stopRetrying();
    this.listeners.clear();
    await OpenFeature.setProviderAndWait(this.domain, NOOP_PROVIDER);
    await this.provider?.onClose();
  }
}

const sources = new Map<string, FlagFileSource>();

/** The process's source for `path`, opened on first use and waited for its first read. */
export async function acquireSource(path: string, retryMs = DEFAULT_RETRY_MS): Promise<FlagFileSource> {
  const absolute = resolve(path);
  let source = sources.get(absolute);
  if (source === undefined) {
    source = new FlagFileSource(absolute, retryMs);
    sources.set(absolute, source);
  }
  source.acquire();
  await source.loaded;
  return source;
}

export async function releaseSource(source: FlagFileSource): Promise<void> {
  const closing = source.release();
  // Forgotten at once, so a client opened while this one closes gets a fresh source.
  if (source.idle && sources.get(source.path) === source) sources.delete(source.path);
  await closing;
}
