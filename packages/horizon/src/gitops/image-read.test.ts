import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import { quickImage, quickImageEntries, readImage } from "./image-read.js";

/**
 * The quick read must give what the YAML parser gives, or step aside. The reference here is `yaml`'s own
 * reading of the file (eemeli/yaml, the parser readKustomizeImage uses), not horizon's code.
 */
function byYaml(source: string, service: string): string | undefined {
  // The first document, as readKustomizeImage reads it (parseAllDocuments, the first).
  const [first] = parseAllDocuments(source);
  if (!first || first.errors.length > 0) throw new Error(first?.errors[0]?.message ?? "no document");
  const doc = first.toJS() as { images?: Array<Record<string, unknown>> } | null;
  const entry = doc?.images?.find((e) => [e.newName, e.name].some((n) => typeof n === "string" && n.split("/").at(-1) === service));
  if (!entry) return undefined;
  // As getString reads a scalar: numbers and bools as their text.
  const str = (v: unknown): string | undefined => (typeof v === "string" || typeof v === "number" || typeof v === "boolean" ? String(v) : undefined);
  const repository = str(entry.newName) ?? str(entry.name);
  const tag = str(entry.newTag);
  const digest = str(entry.digest);
  return `${repository ?? ""}${tag ? `:${tag}` : ""}${digest ? `@${digest}` : ""}`;
}

const REPO_ROOT = fileURLToPath(new URL("../../../../", import.meta.url));

function kustomizations(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    // A service's overlay: environments/<env>/<service>/kustomization.yaml.
    .filter((e) => e.isFile() && e.name === "kustomization.yaml" && /\/environments\/[^/]+\/[^/]+$/.test(e.parentPath))
    .map((e) => join(e.parentPath, e.name));
}

const simple = (images: string, rest = ""): string =>
  `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- ../../../base/pay\n${images}${rest}`;

const VARIANTS: Array<[string, string]> = [
  ["indent 0", simple("images:\n- name: r.io/bh/pay\n  newTag: sha-1\n")],
  ["indent 2, comments", simple("images:\n  # the CI build\n  - name: r.io/bh/pay # the image\n    newTag: sha-1   # keep\n")],
  ["quoted", simple(`images:\n- name: "r.io/bh/pay"\n  newTag: 'ce2fe141af289019ab10c7b60ba18da527ae5da8'\n`)],
  ["newName and digest", simple("images:\n- name: pay\n  newName: r.io/bh/pay\n  digest: sha256:0123456789abcdef0123456789abcdef\n")],
  ["two entries", simple("images:\n- name: r.io/bh/db-migrate\n  newTag: a\n- name: r.io/bh/pay\n  newTag: b\n", "labels:\n- pairs:\n    app: x\n")],
  ["semver tag", simple("images:\n- name: r.io/bh/pay\n  newTag: 1.2.0\n")],
  ["numeric tag", simple("images:\n- name: r.io/bh/pay\n  newTag: 1.10\n")],
  ["integer tag", simple("images:\n- name: r.io/bh/pay\n  newTag: 0042\n")],
  ["bool-looking tag", simple("images:\n- name: r.io/bh/pay\n  newTag: true\n")],
  ["flow style", simple("images: [{name: r.io/bh/pay, newTag: flow}]\n")],
  ["flow entry", simple("images:\n- {name: r.io/bh/pay, newTag: flow}\n")],
  ["anchor", simple("images:\n- name: &n r.io/bh/pay\n  newTag: a\n")],
  ["escaped quote", simple(`images:\n- name: r.io/bh/pay\n  newTag: "a\\u0062"\n`)],
  ["hash in quotes", simple(`images:\n- name: r.io/bh/pay\n  newTag: "a #b"\n`)],
  ["hash without space", simple("images:\n- name: r.io/bh/pay\n  newTag: a#b\n")],
  ["images later in the file", `images:\n- name: r.io/bh/pay\n  newTag: first\nresources:\n- x\n`],
  ["tab", simple("images:\n- name: r.io/bh/pay\n\tnewTag: a\n")],
  ["CRLF", simple("images:\r\n- name: r.io/bh/pay\r\n  newTag: crlf\r\n")],
  ["second document", simple("images:\n- name: r.io/bh/pay\n  newTag: a\n---\nimages:\n- name: r.io/bh/pay\n  newTag: b\n")],
  ["no entry for the service", simple("images:\n- name: r.io/bh/other\n  newTag: a\n")],
];

describe("readImage", () => {
  it.each(VARIANTS)("%s: the image YAML reads, or the parser's error", async (_name, source) => {
    let expected: string | Error | undefined;
    try {
      expected = byYaml(source, "pay");
    } catch (error) {
      expected = error as Error;
    }
    const read = readImage({ layout: "kustomize", file: "k.yaml", source, service: "pay" });
    if (expected === undefined || expected instanceof Error) await expect(read).rejects.toThrow();
    else await expect(read).resolves.toBe(expected);
  });

  it("reads the real deploy/ overlays and the fixtures without the parser, and agrees with it", async () => {
    const files = [...kustomizations(join(REPO_ROOT, "deploy")), ...kustomizations(join(REPO_ROOT, "packages/horizon/test/fixtures/manifests-kustomize"))];
    expect(files.length).toBeGreaterThan(6);
    for (const file of files) {
      const source = readFileSync(file, "utf8");
      const service = file.split("/").at(-2) ?? "";
      expect(quickImage({ layout: "kustomize", file, source, service }), file).toBeDefined();
      await expect(readImage({ layout: "kustomize", file, source, service }), file).resolves.toBe(byYaml(source, service));
    }
  });

  it("steps aside for what only the parser can read", () => {
    for (const name of ["numeric tag", "integer tag", "bool-looking tag", "flow style", "flow entry", "anchor", "escaped quote", "tab", "CRLF", "second document"]) {
      const source = VARIANTS.find(([n]) => n === name)?.[1] ?? "";
      expect(quickImageEntries(source), name).toBeUndefined();
    }
  });
});
