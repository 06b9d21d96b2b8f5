import { describe, expect, it } from "vitest";
import { findUnstorableText, storableTimestamp, unstorableTextError } from "./storable-text.js";

describe("findUnstorableText", () => {
  it("finds NUL and unpaired surrogates in strings and keys, by JSON pointer", () => {
    expect(findUnstorableText({ a: "ok", b: ["fine", "nul\u0000"] })).toBe("/b/1");
    expect(findUnstorableText({ story: "half \ud83d" })).toBe("/story");
    expect(findUnstorableText({ "k\u0000": 1 })).toBe("/k\u0000");
    expect(findUnstorableText({ "a/b": { c: "\udc00" } })).toBe("/a~1b/c");
    expect(findUnstorableText("\u0000")).toBe("/");
  });

  it("accepts everything PostgreSQL stores, paired surrogates (emoji) included", () => {
    expect(findUnstorableText({ title: "Clean water 💧", n: 5, ok: true, none: null, list: ["ünïcödé", "中文"] })).toBeUndefined();
    expect(findUnstorableText(undefined)).toBeUndefined();
  });

  it("walks values nested far deeper than the stack allows without overflowing", () => {
    let deep: unknown = "nul\u0000";
    for (let i = 0; i < 100_000; i += 1) deep = i % 2 === 0 ? [deep] : { k: deep };
    const found = findUnstorableText(deep);
    expect(found?.endsWith("/0")).toBe(true);
    expect(found?.split("/")).toHaveLength(100_001);
    let clean: unknown = "fine";
    for (let i = 0; i < 100_000; i += 1) clean = [clean];
    expect(findUnstorableText(clean)).toBeUndefined();
  });

  it("reports the first unstorable text in document order", () => {
    expect(findUnstorableText({ a: [{ b: "ok" }, "\u0000"], "\u0000": "x", c: "\u0000" })).toBe("/a/1");
    expect(findUnstorableText({ a: { "\u0000": "x" }, b: "\u0000" })).toBe("/a/\u0000");
  });
});

describe("unstorableTextError", () => {
  it("names where and which field, and is undefined for storable input or bytes", () => {
    expect(unstorableTextError("body", { data: { object: { note: "a\u0000" } } })?.errors).toEqual([
      { in: "body", path: "/data/object/note", message: "must not contain NUL characters or unpaired UTF-16 surrogates" },
    ]);
    expect(unstorableTextError("body", { note: "fine" })).toBeUndefined();
    expect(unstorableTextError("body", Buffer.from([0, 0, 0]))).toBeUndefined();
  });
});

describe("storableTimestamp", () => {
  // What PostgreSQL's timestamptz input takes (tried on PGlite and PostgreSQL in notification-service's bad-input test).
  it("accepts RFC 3339 times PostgreSQL stores and refuses offsets of 16 h or more and the year 0000", () => {
    const schema = storableTimestamp();
    for (const ok of ["2026-01-01T00:00:00Z", "2026-01-01T00:00:00+15:59", "2026-01-01T00:00:00-15:59", "0001-01-01T00:00:00Z", "2026-01-01T00:00:00.123456Z"]) {
      expect(schema.safeParse(ok).success, ok).toBe(true);
    }
    for (const bad of ["2026-01-01T00:00:00+16:00", "2026-01-01T00:00:00-20:00", "0000-01-01T00:00:00Z", "2026-01-01", "yesterday"]) {
      expect(schema.safeParse(bad).success, bad).toBe(false);
    }
  });
});
