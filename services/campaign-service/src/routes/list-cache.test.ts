import { describe, expect, it } from "vitest";
import { ListCache } from "./list-cache.js";

describe("ListCache", () => {
  it("keeps pages for the TTL, forgets them on clear, and caches nothing with TTL 0", () => {
    let now = 1_000;
    const cache = new ListCache(500, 2, () => now);
    cache.set("a", "A");
    expect(cache.get("a")).toBe("A");
    now += 500;
    expect(cache.get("a")).toBeUndefined();
    cache.set("a", "A");
    cache.clear();
    expect(cache.get("a")).toBeUndefined();
    cache.set("a", "A");
    cache.set("b", "B");
    cache.set("c", "C");
    expect(cache.get("c")).toBe("C");
    expect(cache.get("a")).toBeUndefined();
    const off = new ListCache(0);
    off.set("a", "A");
    expect(off.get("a")).toBeUndefined();
  });
});
