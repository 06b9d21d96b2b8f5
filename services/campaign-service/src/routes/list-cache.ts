/**
 * A tiny time-bounded cache for the public campaign list: anonymous list
 * requests are the hottest path and all see the same pages. Entries are
 * served for `ttlMs` after they were stored (so another replica's writes show
 * within that time) and this process's own writes clear it at once. The TTL
 * can differ per request (the `campaign-list-cache-ttl-ms` flag): a shorter
 * one takes effect at once for pages already stored.
 */
export class ListCache {
  private readonly entries = new Map<string, { body: string; storedAt: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 1_000,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: string, ttlMs = this.ttlMs): string | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.storedAt + ttlMs <= this.now()) return undefined;
    return entry.body;
  }

  set(key: string, body: string, ttlMs = this.ttlMs): void {
    if (ttlMs <= 0) return;
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(key, { body, storedAt: this.now() });
  }

  clear(): void {
    this.entries.clear();
  }
}
