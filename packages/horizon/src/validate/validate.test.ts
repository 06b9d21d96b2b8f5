import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { main } from "../cli.js";
import { runValidate } from "../commands/validate/index.js";
import { findExecutable } from "../io/process.js";
import { formatFinding } from "./findings.js";
import { validateRepository } from "./index.js";

const repoRoot = resolve(import.meta.dirname, "../../../..");
const SERVICES = ["campaign-service", "payment-service", "notification-service", "trust-service"];
const kubectl = await findExecutable("kubectl");
const promtool = await findExecutable("promtool");

/** A temporary copy of what `horizon validate` reads: workflows, deploy/, Dockerfiles and what they copy, the service workspaces. */
async function copyRepository(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "horizon-validate-"));
  await cp(join(repoRoot, ".github"), join(dir, ".github"), { recursive: true });
  await cp(join(repoRoot, "deploy"), join(dir, "deploy"), { recursive: true });
  await cp(join(repoRoot, "docker"), join(dir, "docker"), { recursive: true });
  // What the Dockerfiles copy straight from the build context.
  for (const path of ["package.json", "package-lock.json", ".npmrc", ".dockerignore", "packages/contracts/package.json", "packages/service-kit/package.json", "packages/service-kit/migrations"]) {
    await cp(join(repoRoot, path), join(dir, path), { recursive: true });
  }
  for (const service of SERVICES) {
    for (const path of ["package.json", "migrations"]) await cp(join(repoRoot, "services", service, path), join(dir, "services", service, path), { recursive: true });
  }
  return dir;
}

async function edit(dir: string, file: string, from: string | RegExp, to: string): Promise<void> {
  const path = join(dir, file);
  const text = await readFile(path, "utf8");
  const next = text.replace(from, to);
  if (next === text) throw new Error(`test setup: ${String(from)} not found in ${file}`);
  await writeFile(path, next);
}

const lineOf = async (dir: string, file: string, needle: string): Promise<number> =>
  (await readFile(join(dir, file), "utf8")).split("\n").findIndex((l) => l.includes(needle)) + 1;

async function validate(root: string): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const out = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, "write").mockImplementation((chunk) => ((stderr += String(chunk)), true));
  try {
    const code = await main(["node", "horizon", "validate", "--root", root]);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

describe("horizon validate", { timeout: 180_000 }, () => {
  it("passes on the repository itself", async () => {
    const result = await validate(repoRoot);
    expect(result.stdout).toBe("");
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/checked \d+ workflows, 4 services, \d+ objects, .* 0 finding\(s\)/);
  });

  describe("on a copy with one planted defect of each kind", () => {
    let dir: string;
    let lines: string[];
    let code: number;
    let stderr: string;
    beforeAll(async () => {
      dir = await copyRepository();
      // A workflow expression that does not close.
      await edit(dir, ".github/workflows/promote.yml", "group: promote-${{ inputs.environment }}", "group: promote-${{ inputs.environment }");
      // A field of the wrong type in a Kubernetes object and in a Flagger Canary.
      await edit(dir, "deploy/base/trust-service/hpa.yaml", "maxReplicas: 4", 'maxReplicas: "four"');
      await edit(dir, "deploy/base/campaign-service/canary.yaml", "threshold: 5", 'threshold: "5"');
      // A kustomize resource that does not exist.
      await edit(dir, "deploy/base/payment-service/kustomization.yaml", "  - canary.yaml\n", "  - canary.yaml\n  - service.yaml\n");
      // A final stage that runs as root.
      await edit(dir, "docker/service/Dockerfile", "USER 10001:10001", "USER root");
      // A PromQL expression that does not parse.
      await edit(dir, "deploy/monitoring/rules/blessed-horizon.rules.yaml", ") > 0.05", ") > ");
      const result = await validate(dir);
      ({ code, stderr } = result);
      lines = result.stdout.trim().split("\n");
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it("exits 1", () => {
      expect(code, stderr).toBe(1);
    });

    it("finds the bad workflow expression with actionlint", async () => {
      const line = await lineOf(dir, ".github/workflows/promote.yml", "group: promote-");
      expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^\\.github/workflows/promote\\.yml:${line}: \\[actionlint\\] .*\\[expression\\]$`)));
    });

    it("finds the wrong field types, Kubernetes and Flagger, at their lines", async () => {
      const hpa = await lineOf(dir, "deploy/base/trust-service/hpa.yaml", "maxReplicas");
      expect(lines).toContain(`deploy/base/trust-service/hpa.yaml:${hpa}: [schema] HorizontalPodAutoscaler/trust-service: /spec/maxReplicas must be integer`);
      const canary = await lineOf(dir, "deploy/base/campaign-service/canary.yaml", "threshold:");
      expect(lines).toContain(`deploy/base/campaign-service/canary.yaml:${canary}: [schema] Canary/campaign-service: /spec/analysis/threshold must be number`);
    });

    it("finds the missing kustomize resource", async () => {
      const line = await lineOf(dir, "deploy/base/payment-service/kustomization.yaml", "service.yaml");
      expect(lines).toContain(`deploy/base/payment-service/kustomization.yaml:${line}: [kustomize] resource "service.yaml" does not exist`);
    });

    it.skipIf(!kubectl)("and every environment that includes it fails to render (kubectl kustomize)", () => {
      for (const env of ["development", "staging", "production"]) {
        expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^deploy/environments/${env}/kustomization\\.yaml:1: \\[kustomize\\] kubectl kustomize .*service\\.yaml`)));
      }
    });

    it("finds the root user in the final stage", async () => {
      const line = await lineOf(dir, "docker/service/Dockerfile", "USER root");
      expect(lines).toContain(`docker/service/Dockerfile:${line}: [dockerfile] the final stage runs as root (USER root): use a non-root user`);
    });

    it("finds that the PrometheusRule no longer matches the tested rule file", () => {
      expect(lines).toContainEqual(expect.stringMatching(/^deploy\/monitoring\/prometheus-rule\.yaml:\d+: \[rules\] PrometheusRule group "service-slos" differs/));
    });

    it.skipIf(!promtool)("finds the broken PromQL with promtool, at the rule's line", async () => {
      const line = await lineOf(dir, "deploy/monitoring/rules/blessed-horizon.rules.yaml", "- alert: HighErrorRate");
      expect(lines).toContainEqual(
        expect.stringMatching(new RegExp(`^deploy/monitoring/rules/blessed-horizon\\.rules\\.yaml:${line + 4}: \\[promtool\\] group "service-slos", rule 1, "HighErrorRate": could not parse expression`)),
      );
    });

    it("reports nothing else", () => {
      const expected = 1 + 2 + 1 + (kubectl ? 3 : 0) + 1 + 1 + (promtool ? 2 : 0);
      expect(lines, lines.join("\n")).toHaveLength(expected);
    });
  });

  it("reports a plaintext Secret and an object kind with no schema, as JSON too", async () => {
    const dir = await mkdtemp(join(tmpdir(), "horizon-validate-"));
    try {
      await mkdir(join(dir, "deploy"), { recursive: true });
      await writeFile(
        join(dir, "deploy", "objects.yaml"),
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  url: postgres://u:p@h/db\n---\napiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n",
      );
      let json = "";
      await expect(runValidate({ root: dir, json: true }, { cwd: dir, write: (t) => void (json += t), warn: () => undefined, path: "" })).rejects.toThrow(/2 finding/);
      const report = JSON.parse(json) as { findings: Parameters<typeof formatFinding>[0][]; skipped: string[] };
      expect(report.findings.map(formatFinding)).toEqual([
        "deploy/objects.yaml:1: [policy] a plaintext Secret is in git: reference it (ExternalSecret or SealedSecret) instead",
        "deploy/objects.yaml:9: [schema] Widget/w: no schema known for example.com/v1 Widget (a cluster without that CRD rejects it)",
      ]);
      expect(report.skipped).toEqual(["promtool not found: alert rules not compiled or unit-tested (apt-get install prometheus)"]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("names a service workspace that is not delivered: a Dockerfile of its own, not bootstrapped, no manifests, migrations left out", async () => {
    const dir = await copyRepository();
    try {
      await mkdir(join(dir, "services", "ledger-service", "migrations"), { recursive: true });
      await writeFile(join(dir, "services", "ledger-service", "package.json"), "{}\n");
      await writeFile(join(dir, "services", "ledger-service", "Dockerfile"), "FROM node:24.22.3-bookworm-slim\n");
      const { findings } = await validateRepository(dir, {});
      expect(findings.filter((f) => f.check === "delivery").map(formatFinding)).toEqual([
        "docker/db-migrate/Dockerfile:1: [delivery] the db-migrate image does not copy services/ledger-service/migrations",
        "services/ledger-service/Dockerfile:1: [delivery] a Dockerfile of its own: every service is built from docker/service/Dockerfile with --build-arg SERVICE=ledger-service; delete this one",
        "services/ledger-service/package.json:1: [delivery] service ledger-service has no deploy/base/ledger-service/kustomization.yaml",
        "services/ledger-service/package.json:1: [delivery] service ledger-service is not deployed to development (no deploy/environments/development/ledger-service/kustomization.yaml)",
        "services/ledger-service/package.json:1: [delivery] service ledger-service is not deployed to production (no deploy/environments/production/ledger-service/kustomization.yaml)",
        "services/ledger-service/package.json:1: [delivery] service ledger-service is not deployed to staging (no deploy/environments/staging/ledger-service/kustomization.yaml)",
      ]);
      const matrix = await lineOf(dir, ".github/workflows/bootstrap-images.yml", "matrix:");
      expect(findings.filter((f) => f.check === "image-build").map(formatFinding)).toEqual([
        `.github/workflows/bootstrap-images.yml:${matrix}: [image-build] job image builds service images but not ledger-service`,
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("names a service Dockerfile that takes no SERVICE", async () => {
    const dir = await copyRepository();
    try {
      await writeFile(join(dir, "docker", "service", "Dockerfile"), (await readFile(join(dir, "docker", "service", "Dockerfile"), "utf8")).replaceAll(/^ARG SERVICE\n/gm, ""));
      const { findings } = await validateRepository(dir, {});
      expect(findings.filter((f) => f.check === "delivery").map(formatFinding)).toEqual([
        "docker/service/Dockerfile:1: [delivery] declares no ARG SERVICE, so it cannot build each service (--build-arg SERVICE=<name>)",
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("exits 2 when --root does not exist", async () => {
    const result = await validate(join(tmpdir(), "no-such-horizon-repo"));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--root .*no-such-horizon-repo: no such directory/);
  });
});
