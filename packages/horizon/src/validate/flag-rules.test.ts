import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../test/fixtures/manifests-helpers/repo.js";
import { checkFlagFiles } from "./flag-rules.js";
import { validateRepository } from "./index.js";

// Issue 17 item 2: `horizon validate` checks every environment's flag file, so a bad one fails the pipeline.

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const GOOD = `{
  "$schema": "https://flagd.dev/schema/v0/flags.json",
  "flags": {
    "donation-tips": {
      "state": "ENABLED",
      "variants": { "on": true, "off": false },
      "defaultVariant": "off",
      "targeting": { "fractional": [["on", 10], ["off", 90]] }
    }
  }
}
`;

function deployWith(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "horizon-flags-"));
  dirs.push(root);
  for (const env of ["development", "staging", "production"]) mkdirSync(join(root, "deploy", "environments", env), { recursive: true });
  for (const [env, text] of Object.entries(files)) writeFileSync(join(root, "deploy", "environments", env, "flags.flagd.json"), text);
  return root;
}

describe("validate: environments/<env>/flags.flagd.json", () => {
  it("checks every environment's file and passes good ones", () => {
    expect(checkFlagFiles(deployWith({ development: GOOD, staging: GOOD, production: GOOD }), "deploy")).toEqual({ findings: [], files: 3 });
  });

  it("reports a bad file at its line, with the JSON pointer, and only that file", () => {
    const bad = GOOD.replace('["off", 90]', '["of", 90]');
    const { findings, files } = checkFlagFiles(deployWith({ development: GOOD, production: bad }), "deploy");
    expect(files).toBe(2);
    expect(findings).toEqual([
      {
        file: "deploy/environments/production/flags.flagd.json",
        line: 8,
        check: "flags",
        message: '/flags/donation-tips/targeting/fractional/1/0: flag donation-tips: fractional bucket "of" is not one of its variants (variants: on, off)',
      },
    ]);
  });

  it("reports a file that is not JSON", () => {
    const { findings } = checkFlagFiles(deployWith({ staging: GOOD.replace('"state"', "state") }), "deploy");
    expect(findings.map((f) => [f.file, f.line, f.message.startsWith("/: not JSON")])).toEqual([["deploy/environments/staging/flags.flagd.json", 5, true]]);
  });

  it("passes deploy/'s flag files, one per environment that has them", () => {
    const envs = readdirSync(join(REPO_ROOT, "deploy", "environments")).filter((env) => existsSync(join(REPO_ROOT, "deploy", "environments", env, "flags.flagd.json")));
    expect(checkFlagFiles(REPO_ROOT, "deploy")).toEqual({ findings: [], files: envs.length });
  });

  it("horizon validate reports it (and so fails the pipeline)", async () => {
    const root = deployWith({ production: GOOD.replace('"defaultVariant": "off"', '"defaultVariant": "of"') });
    const report = await validateRepository(root, {});
    expect(report.findings.filter((f) => f.check === "flags").map((f) => [f.file, f.line])).toEqual([["deploy/environments/production/flags.flagd.json", 7]]);
    expect(report.checked.flagFiles).toBe(1);
  });
});
