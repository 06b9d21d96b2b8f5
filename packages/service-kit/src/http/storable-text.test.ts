import { describe, expect, it } from "vitest";
import { findUnstorableText } from "./storable-text.js";

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
