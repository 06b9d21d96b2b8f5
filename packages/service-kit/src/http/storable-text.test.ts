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
});
