import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../test/fixtures/manifests-helpers/repo.js";
import { checkPromotionPolicy } from "./policy.js";

// Issue 15: a broken promotion policy fails `horizon validate` (CI) before promote meets it.

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function deployWith(policy: string): string {
  const root = mkdtempSync(join(tmpdir(), "horizon-policy-"));
  dirs.push(root);
  for (const env of ["development", "staging", "production"]) mkdirSync(join(root, "deploy", "environments", env), { recursive: true });
  writeFileSync(join(root, "deploy", "promotion-policy.yaml"), policy);
  return root;
}

describe("validate: promotion-policy.yaml", () => {
  it("accepts deploy/'s own policy", () => {
    expect(checkPromotionPolicy(REPO_ROOT, "deploy")).toEqual({ findings: [], files: 1 });
  });

  it("reports a bad duration with its path", () => {
    const { findings } = checkPromotionPolicy(deployWith("timezone: UTC\nenvironments:\n  production:\n    soak: two hours\n"), "deploy");
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ file: "deploy/promotion-policy.yaml", check: "policy" });
    expect(findings[0].message).toContain('environments.production.soak: "two hours" is not a duration');
  });

  it("reports an environment the manifests do not have", () => {
    const { findings } = checkPromotionPolicy(deployWith("timezone: UTC\nenvironments:\n  prod:\n    soak: 2h\n"), "deploy");
    expect(findings.map((f) => f.message)).toEqual(["environments.prod: no such environment under deploy/environments (known: development, production, staging)"]);
  });
});
