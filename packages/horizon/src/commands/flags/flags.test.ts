import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createManifestsRepo, REPO_ROOT, rejection, removeAll, run, useTestGitEnv } from "../../../test/fixtures/manifests-helpers/repo.js";
import { ExitCode } from "../../errors.js";
import { runCompliance } from "../compliance/index.js";
import { runDora } from "../dora/index.js";
import { runHistory } from "../release/history.js";
import type { CommandContext } from "../cli-support.js";
import { runFlagsPromote } from "./promote.js";
import { runFlagsSet } from "./set.js";

// Issue 17 item 2: flags are released like images. Each change is one commit of environments/<env>/flags.flagd.json
// with Horizon trailers, a minimal edit, refused in a frozen environment unless --break-glass (recorded), and read
// back by history, compliance and dora.

const NOW = "2026-12-01T10:00:00Z";
const at = (out: string[] = []): CommandContext => ({ cwd: "/", write: (t) => out.push(t), now: () => new Date(NOW) });
const FLAGS = (env: string): string => `environments/${env}/flags.flagd.json`;

// As prettier writes it; the second flag has a targeting rule of its own (by campaign).
const FILE = `{
  "$schema": "https://flagd.dev/schema/v0/flags.json",
  "flags": {
    "donation-tips": {
      "state": "ENABLED",
      "variants": {
        "on": true,
        "off": false
      },
      "defaultVariant": "off"
    },
    "public-list-cache": {
      "state": "ENABLED",
      "variants": {
        "on": true,
        "off": false
      },
      "defaultVariant": "on",
      "targeting": {
        "if": [{ "in": [{ "var": "campaignId" }, ["c-1"]] }, "off", null]
      }
    }
  }
}
`;

const repos: string[] = [];
beforeAll(() => useTestGitEnv());
afterAll(() => removeAll(...repos));
afterEach(() => {
  delete process.env.GIT_COMMITTER_DATE;
  delete process.env.GIT_AUTHOR_DATE;
});

/** The kustomize fixture with the same flag file in every environment, committed on 1 December 2026 at 09:00 UTC. */
async function repo(extra: Record<string, string> = {}): Promise<string> {
  process.env.GIT_COMMITTER_DATE = process.env.GIT_AUTHOR_DATE = "2026-12-01T09:00:00Z";
  const dir = await createManifestsRepo("kustomize");
  repos.push(dir);
  for (const env of ["development", "staging", "production"]) writeFileSync(join(dir, FLAGS(env)), FILE);
  for (const [path, text] of Object.entries(extra)) writeFileSync(join(dir, path), text);
  await run(dir, "add", ".");
  await run(dir, "commit", "--quiet", "-m", "flags");
  process.env.GIT_COMMITTER_DATE = process.env.GIT_AUTHOR_DATE = NOW;
  return dir;
}

const read = (dir: string, env: string): string => readFileSync(join(dir, FLAGS(env)), "utf8");
const head = (dir: string): Promise<string> => run(dir, "rev-parse", "HEAD");
/** The last commit's message, each line ending in a newline. */
const message = async (dir: string): Promise<string> => `${await run(dir, "log", "-1", "--format=%B")}\n`;
/** `git show --stat`-like: the lines the last commit changed, without the diff header. */
const diffLines = async (dir: string): Promise<string[]> =>
  (await run(dir, "show", "--format=", "--unified=0", "HEAD")).split("\n").filter((l) => /^[+-](?![+-])/.test(l));

describe("horizon flags set", () => {
  it("serves a variant: one commit changing one line, with the flag's trailers", async () => {
    const dir = await repo();
    const outcome = await runFlagsSet("donation-tips", { manifests: dir, env: "staging", variant: "on" }, at());
    expect(outcome.status).toBe("committed");
    expect(await diffLines(dir)).toEqual(['-      "defaultVariant": "off"', '+      "defaultVariant": "on"']);
    const msg = await message(dir);
    expect(msg).toContain("Horizon-Action: flag\nHorizon-Environment: staging\n");
    expect(msg).toContain("Horizon-Flag: donation-tips on\n");
    expect(msg).toContain("donation-tips: off -> on");
    expect(await run(dir, "status", "--porcelain")).toBe("");
  });

  it("--rollout 10% writes flagd's fractional: the variant for 10%, the current default for the rest", async () => {
    const dir = await repo();
    await runFlagsSet("donation-tips", { manifests: dir, env: "production", variant: "on", rollout: "10%" }, at());
    const flag = (JSON.parse(read(dir, "production")) as { flags: Record<string, unknown> }).flags["donation-tips"];
    expect(flag).toEqual({ state: "ENABLED", variants: { on: true, off: false }, defaultVariant: "off", targeting: { fractional: [["on", 10], ["off", 90]] } });
    expect(await message(dir)).toContain("Horizon-Flag: donation-tips rollout on 10%, off 90%\n");
    // Serving the variant to everyone ends the rollout.
    await runFlagsSet("donation-tips", { manifests: dir, env: "production", variant: "on" }, at());
    expect(read(dir, "production")).toBe(FILE.replace('"defaultVariant": "off"', '"defaultVariant": "on"'));
  });

  it("bad input is exit 2 and commits nothing: unknown flag, unknown variant, bad percentage, an invalid file named with its JSON pointer", async () => {
    const dir = await repo({ [FLAGS("development")]: FILE.replace('"defaultVariant": "off"', '"defaultVariant": "maybe"') });
    const before = await head(dir);
    const unknownFlag = await rejection(runFlagsSet("tips", { manifests: dir, env: "staging", variant: "on" }, at()));
    expect(unknownFlag.exitCode).toBe(ExitCode.Usage);
    expect(unknownFlag.message).toContain('has no flag "tips" (flags: donation-tips, public-list-cache)');
    const unknownVariant = await rejection(runFlagsSet("donation-tips", { manifests: dir, env: "staging", variant: "maybe" }, at()));
    expect(unknownVariant).toMatchObject({ exitCode: ExitCode.Usage, message: expect.stringContaining('no variant "maybe" (variants: on, off)') as unknown });
    expect((await rejection(runFlagsSet("donation-tips", { manifests: dir, env: "staging", variant: "on", rollout: "150%" }, at()))).exitCode).toBe(ExitCode.Usage);
    // A rollout would overwrite the flag's own targeting rule.
    expect((await rejection(runFlagsSet("public-list-cache", { manifests: dir, env: "staging", variant: "off", rollout: "10%" }, at()))).exitCode).toBe(ExitCode.Usage);
    const invalid = await rejection(runFlagsSet("donation-tips", { manifests: dir, env: "development", variant: "on" }, at()));
    expect(invalid.exitCode).toBe(ExitCode.Usage);
    expect(invalid.message).toContain("environments/development/flags.flagd.json#/flags/donation-tips/defaultVariant (line 10)");
    expect(await head(dir)).toBe(before);
    expect(await run(dir, "status", "--porcelain")).toBe("");
  });

  it("--dry-run prints the plan and changes nothing; --json reports the commit", async () => {
    const dir = await repo();
    const out: string[] = [];
    const dry = await runFlagsSet("donation-tips", { manifests: dir, env: "staging", variant: "on", dryRun: true }, at(out));
    expect(dry.status).toBe("dry-run");
    expect(out.join("")).toContain("edit   environments/staging/flags.flagd.json");
    expect(read(dir, "staging")).toBe(FILE);
    const json: string[] = [];
    await runFlagsSet("donation-tips", { manifests: dir, env: "staging", variant: "on", json: true }, at(json));
    expect(JSON.parse(json.join(""))).toMatchObject({ status: "committed", files: [FLAGS("staging")], release: { action: "flag", flags: [{ key: "donation-tips", value: "on" }] } });
  });
});

describe("horizon flags promote", () => {
  it("carries a new default variant to the next environment as a one-line diff, recorded by history", async () => {
    const dir = await repo();
    await runFlagsSet("donation-tips", { manifests: dir, env: "staging", variant: "on" }, at());
    const outcome = await runFlagsPromote([], { manifests: dir, from: "staging", to: "production" }, at());
    expect(outcome.status).toBe("committed");
    expect(await diffLines(dir)).toEqual(['-      "defaultVariant": "off"', '+      "defaultVariant": "on"']);
    const msg = await message(dir);
    expect(msg).toContain("Horizon-Promoted-From: staging\n");
    expect(msg).toContain("Horizon-Flag: donation-tips on\n");
    expect(read(dir, "production")).toBe(read(dir, "staging"));

    const entries = await runHistory({ manifests: dir, env: "production", since: "30d", json: true }, at());
    expect(entries.filter((e) => e.action === "flag").map((e) => [e.environment, e.service, e.flag, e.promotedFrom, e.managed])).toEqual([
      ["production", "*", { key: "donation-tips", value: "on" }, "staging", true],
    ]);
    // A horizon flag commit is the flag change, not an unmanaged change of every service of the environment.
    const promoted = await head(dir);
    expect(entries.filter((e) => e.commit === promoted).map((e) => [e.managed, e.service])).toEqual([[true, "*"]]);
    const text: string[] = [];
    await runHistory({ manifests: dir, env: "production", since: "30d" }, at(text));
    expect(text.join("")).toContain("production  flag  *  flag donation-tips = on");
  });

  it("a flag new in the source is added last, in the file's layout", async () => {
    const added = FILE.replace(
      '      }\n    }\n  }\n}\n',
      '      }\n    },\n    "new-checkout": {\n      "state": "DISABLED",\n      "variants": {\n        "on": true,\n        "off": false\n      },\n      "defaultVariant": "off"\n    }\n  }\n}\n',
    );
    const dir = await repo({ [FLAGS("staging")]: added });
    await runFlagsPromote(["new-checkout"], { manifests: dir, from: "staging", to: "production" }, at());
    expect(read(dir, "production")).toBe(added);
    expect(await message(dir)).toContain("Horizon-Flag: new-checkout disabled\n");
  });

  it("promotes only the named flags, and nothing when the environments agree", async () => {
    const dir = await repo();
    await runFlagsSet("donation-tips", { manifests: dir, env: "staging", variant: "on" }, at());
    await runFlagsSet("public-list-cache", { manifests: dir, env: "staging", variant: "off" }, at());
    await runFlagsPromote(["public-list-cache"], { manifests: dir, from: "staging", to: "production" }, at());
    expect(await message(dir)).toContain("Horizon-Flag: public-list-cache off + targeting\n");
    expect(await message(dir)).not.toContain("donation-tips");
    await runFlagsPromote([], { manifests: dir, from: "staging", to: "production" }, at());
    const before = await head(dir);
    expect((await runFlagsPromote([], { manifests: dir, from: "staging", to: "production" }, at())).status).toBe("unchanged");
    expect(await head(dir)).toBe(before);
    expect((await rejection(runFlagsPromote(["nope"], { manifests: dir, from: "staging", to: "production" }, at()))).exitCode).toBe(ExitCode.Usage);
  });
});

describe("flag changes obey promotion-policy.yaml and count in the record", () => {
  const POLICY = "timezone: Europe/Berlin\nenvironments:\n  production:\n    freezes:\n      - from: 2026-11-30T00:00\n        to: 2026-12-02T00:00\n        reason: payment incident\n";

  it("a frozen environment refuses flags set and promote (exit 1, nothing committed); --break-glass commits it, recorded", async () => {
    const dir = await repo({ "promotion-policy.yaml": POLICY });
    await runFlagsSet("donation-tips", { manifests: dir, env: "staging", variant: "on" }, at());
    const before = await head(dir);
    const set = await rejection(runFlagsSet("donation-tips", { manifests: dir, env: "production", variant: "on" }, at()));
    expect(set.exitCode).toBe(ExitCode.CheckFailed);
    expect(set.message).toContain("payment incident");
    expect((await rejection(runFlagsPromote([], { manifests: dir, from: "staging", to: "production" }, at()))).exitCode).toBe(ExitCode.CheckFailed);
    expect(await head(dir)).toBe(before);
    expect(read(dir, "production")).toBe(FILE);

    await runFlagsPromote([], { manifests: dir, from: "staging", to: "production", breakGlass: "incident 42: tips off broke checkout" }, at());
    expect(await message(dir)).toContain("Horizon-Break-Glass: incident 42: tips off broke checkout\n");
    const entries = await runHistory({ manifests: dir, env: "production", since: "30d", json: true }, at());
    expect(entries.find((e) => e.action === "flag")?.breakGlass).toBe("incident 42: tips off broke checkout");

    const report = await runCompliance({ manifests: dir, month: "2026-12", json: true }, at());
    expect(report.flags.map((f) => [f.environment, f.flag, f.value, f.breakGlass])).toEqual([
      ["staging", "donation-tips", "on", null],
      ["production", "donation-tips", "on", "incident 42: tips off broke checkout"],
    ]);
    expect(report.breakGlass.map((b) => [b.environment, b.action])).toEqual([["production", "flag"]]);
  });

  it("dora counts a flag change as one change of the environment", async () => {
    const dir = await repo();
    // The fixture's commits are hand edits of production's services: deployments already.
    const later: CommandContext = { cwd: "/", write: () => undefined, now: () => new Date("2026-12-02T00:00:00Z") };
    const before = (await runDora({ manifests: dir, env: "production", since: "30d" }, later)).deploymentFrequency.deployments;
    await runFlagsSet("donation-tips", { manifests: dir, env: "production", variant: "on" }, at());
    await runFlagsSet("donation-tips", { manifests: dir, env: "staging", variant: "on" }, at());
    const after = (await runDora({ manifests: dir, env: "production", since: "30d" }, later)).deploymentFrequency.deployments;
    expect(after - before).toBe(1);
  });
});

describe("on deploy/'s flag files", () => {
  it("promoting staging's rollout to production makes production's file staging's, byte for byte, and validates", async () => {
    const deployed = (env: string): string => readFileSync(join(REPO_ROOT, "deploy", "environments", env, "flags.flagd.json"), "utf8");
    const dir = await repo({ [FLAGS("staging")]: deployed("staging"), [FLAGS("production")]: deployed("production") });
    const moved = await runFlagsPromote([], { manifests: dir, from: "staging", to: "production" }, at());
    if (deployed("staging") === deployed("production")) expect(moved.status).toBe("unchanged");
    expect(read(dir, "production")).toBe(deployed("staging"));
    await runFlagsSet("campaign-list-cache-ttl-ms", { manifests: dir, env: "production", variant: "long" }, at());
    const flag = (JSON.parse(read(dir, "production")) as { flags: Record<string, { defaultVariant: string; targeting?: unknown }> }).flags["campaign-list-cache-ttl-ms"];
    expect(flag).toMatchObject({ defaultVariant: "long" });
    expect(flag?.targeting).toBeUndefined();
  });
});
