import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { runHorizon, tailOfLog } from "../commands.js";
import { type PipelineState, whenAnyAffected } from "../state.js";
import type { Stage } from "../types.js";

/** horizon's exit codes: 1 the check found something, 3 an outside system failed. */
const EXIT_FOUND = 1;
const EXIT_EXTERNAL = 3;

/**
 * spec §9.2's scans with `horizon scan`: secrets and licenses block a
 * release (TruffleHog "action: block", FOSSA allow-list); the dependency
 * audit is the security gate's evidence — without network it says so and
 * the gate has none; the SBOM is an artifact. The secret scan runs on every
 * run, over the whole tree (tracked and unignored files, about a second):
 * a secret in docs/ or deploy/ belongs to no service, and a scan limited to
 * what changed would miss one that a failed run left behind.
 */
export function scanStages(state: PipelineState): Stage[] {
  const anyService = whenAnyAffected(state);
  return [
    {
      id: "scan-secrets",
      title: "scan secrets",
      async run(ctx) {
        await mkdir(join(ctx.runDir, "scans"), { recursive: true });
        const result = await runHorizon(ctx, ["scan", "secrets", "--sarif", join(ctx.runDir, "scans", "secrets.sarif")]);
        if (result.exitCode === 0) return { status: "passed", summary: "no secrets found", artifacts: ["scans/secrets.sarif"] };
        if (result.exitCode !== EXIT_FOUND) {
          return { status: "failed", summary: `the scan could not run: ${await tailOfLog(ctx, 2)}` };
        }
        return { status: "failed", summary: `secrets found: ${await tailOfLog(ctx, 2)}`, artifacts: ["scans/secrets.sarif"] };
      },
    },
    {
      id: "scan-licenses",
      title: "scan licenses",
      when: anyService,
      async run(ctx) {
        await mkdir(join(ctx.runDir, "scans"), { recursive: true });
        const result = await runHorizon(ctx, ["scan", "licenses", "--sarif", join(ctx.runDir, "scans", "licenses.sarif")]);
        if (result.exitCode === 0) return { status: "passed", summary: await tailOfLog(ctx), artifacts: ["scans/licenses.sarif"] };
        if (result.exitCode !== EXIT_FOUND) {
          return { status: "failed", summary: `the scan could not run: ${await tailOfLog(ctx, 2)}` };
        }
        return { status: "failed", summary: await tailOfLog(ctx, 2), artifacts: ["scans/licenses.sarif"] };
      },
    },
    {
      id: "scan-deps",
      title: "dependency audit",
      when: anyService,
      async run(ctx) {
        const out = join(ctx.runDir, "audit.json");
        const result = await runHorizon(ctx, ["scan", "deps", "--out", out]);
        if (result.exitCode === EXIT_EXTERNAL) {
          // horizon scan deps says why (no network, registry refusal) and that the gate has no evidence:
          // a warning, so that an offline laptop can still release; the gate policy decides.
          return { status: "warning", summary: await tailOfLog(ctx) };
        }
        if (result.exitCode !== 0) return { status: "failed", summary: `horizon scan deps exited ${result.exitCode}: ${await tailOfLog(ctx, 2)}` };
        state.evidence.audit = "audit.json";
        return { status: "passed", summary: await tailOfLog(ctx), artifacts: ["audit.json"] };
      },
    },
    {
      id: "scan-sbom",
      title: "SBOM",
      when: anyService,
      async run(ctx) {
        const out = join(ctx.runDir, "sbom.cdx.json");
        const result = await runHorizon(ctx, ["scan", "sbom", "--out", out]);
        if (result.exitCode === 0) return { status: "passed", summary: `CycloneDX SBOM: ${await tailOfLog(ctx)}`, artifacts: ["sbom.cdx.json"] };
        return { status: "failed", summary: await tailOfLog(ctx, 2) };
      },
    },
  ];
}
