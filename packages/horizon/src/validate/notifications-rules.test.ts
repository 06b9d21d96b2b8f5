import { cp, mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { at, clusterView, isObject } from "./cluster-view.js";
import type { ClusterView } from "./cluster-view.js";
import { formatFinding } from "./findings.js";
import { validateRepository } from "./index.js";
import { kustomizeTargets } from "./kustomize.js";
import { failureLoopFindings } from "./notifications-rules.js";
import type { WorkflowFile } from "./notifications-rules.js";
import { SourceIndex } from "./source-index.js";
import { findExecutable, runTool } from "../io/process.js";
import { parseYamlWithLines } from "./yaml-locate.js";

// Issue 12 case 5: the failure loop, closed in files. What the rule encodes:
// - argo-cd (v3.5.1) resource_customizations/flagger.app/Canary/health.lua: a Canary is Degraded when status.phase is Failed.
// - argo-cd docs/operator-manual/notifications/{triggers,templates,subscriptions}.md and services/webhook.md: triggers,
//   templates with webhook method/path/body, `notifications.argoproj.io/subscribe.<trigger>.<service>: <recipients>`,
//   `$key` in a webhook header is a key of argocd-notifications-secret, `.recipient` in a template.
// - notifications-engine pkg/controller/state.go: with oncePer the engine notifies once per new value (never forgets),
//   without it once each time the condition turns true.
// - argo-cd docs/operator-manual/upgrading/2.14-3.0.md, controller/health.go: resource health is kept in the
//   Application only with controller.resource.health.persist "true".
// - GitHub REST "Create a repository dispatch event": POST /repos/{owner}/{repo}/dispatches {event_type, client_payload}.

const repoRoot = resolve(import.meta.dirname, "../../../..");
const before = join(import.meta.dirname, "fixtures/deploy-before");
const kubectl = await findExecutable("kubectl");
const SERVICES = ["campaign-service", "notification-service", "payment-service", "trust-service"];
const APPS = [
  ["development", "blessed-horizon-dev"],
  ["staging", "blessed-horizon-staging"],
  ["production", "blessed-horizon-prod"],
] as const;

const rollbackWorkflow = async (): Promise<WorkflowFile> => ({
  file: ".github/workflows/rollback.yml",
  text: await readFile(join(repoRoot, ".github/workflows/rollback.yml"), "utf8"),
});

/** deploy/ (or the fixture) rendered as `kubectl kustomize` renders each target. */
async function render(root: string): Promise<ClusterView> {
  const rendered = [];
  for (const target of await kustomizeTargets(root, "deploy")) {
    const result = await runTool(kubectl as string, ["kustomize", target], root);
    if (result.exitCode !== 0) throw new Error(result.stderr);
    rendered.push({ target, objects: parseYamlWithLines(result.stdout).documents.map((d) => d.value).filter(isObject) });
  }
  return clusterView(rendered, await SourceIndex.read(root, "deploy", ["deploy/schemas"]));
}

/** A copy of `view` whose object `kind/name` is changed by `change` (a deep copy: the base view stays). */
function edited(view: ClusterView, kind: string, name: string, change: (o: Record<string, unknown>) => void): ClusterView {
  const objects = view.objects.map((o) => ({ ...o, object: structuredClone(o.object) }));
  const hits = objects.filter((o) => o.object.kind === kind && at(o.object, ["metadata", "name"]) === name);
  if (hits.length === 0) throw new Error(`test setup: no ${kind}/${name}`);
  for (const o of hits) change(o.object);
  return { ...view, objects };
}

const data = (o: Record<string, unknown>): Record<string, string> => o.data as Record<string, string>;
const annotations = (o: Record<string, unknown>): Record<string, string> => (o.metadata as { annotations: Record<string, string> }).annotations;

describe.skipIf(!kubectl)("horizon validate: the failure loop (needs kubectl)", { timeout: 120_000 }, () => {
  let scratch: string;
  let view: ClusterView;
  let workflow: WorkflowFile;
  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), "horizon-loop-"));
    view = await render(repoRoot);
    workflow = await rollbackWorkflow();
  });
  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  it("finds every Application of deploy/ as it was before issue 12: its Canaries fail and nothing dispatches", async () => {
    const dir = join(scratch, "before");
    await cp(before, join(dir, "deploy"), { recursive: true });
    await cp(join(repoRoot, "deploy/schemas"), join(dir, "deploy/schemas"), { recursive: true });
    const lines = (await validateRepository(dir, { kubectl })).findings.filter((f) => f.check === "notifications").map(formatFinding);
    for (const [env, app] of APPS) {
      const file = `deploy/argocd/application-${env}.yaml`;
      const line = (await readFile(join(dir, file), "utf8")).split("\n").indexOf("metadata:") + 1;
      expect(lines).toContain(
        `${file}:${line}: [notifications] Application/${app} delivers ${SERVICES.map((s) => `Canary/${s}`).join(", ")} but nothing dispatches deployment-failed when Flagger fails them (deploy/ renders no ConfigMap argocd-notifications-cm): git keeps the bad image, no rollback or hold follows, and history and dora count a success`,
      );
    }
    expect(lines).toHaveLength(APPS.length);
  });

  it("finds nothing on today's deploy/ and rollback.yml", async () => {
    const dir = join(scratch, "now");
    await cp(join(repoRoot, "deploy"), join(dir, "deploy"), { recursive: true });
    await mkdir(join(dir, ".github/workflows"), { recursive: true });
    await cp(join(repoRoot, workflow.file), join(dir, workflow.file));
    const report = await validateRepository(dir, { kubectl });
    expect(report.findings.filter((f) => f.check === "notifications").map(formatFinding)).toEqual([]);
    expect(failureLoopFindings(view, [workflow])).toEqual([]);
  });

  it("names the one Canary whose subscription is missing", () => {
    const changed = edited(view, "Application", "blessed-horizon-prod", (o) => {
      delete annotations(o)["notifications.argoproj.io/subscribe.on-canary-failed-payment-service.github-dispatch"];
    });
    const messages = failureLoopFindings(changed, [workflow]).map((f) => `${f.file} ${f.message}`);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/^deploy\/argocd\/application-production\.yaml Application\/blessed-horizon-prod delivers Canary\/payment-service but nothing dispatches deployment-failed when Flagger fails it \(no notifications\.argoproj\.io\/subscribe/);
  });

  it("finds a subscription whose recipient is not the Canary's service (the payload would roll back another)", () => {
    const changed = edited(view, "Application", "blessed-horizon-staging", (o) => {
      annotations(o)["notifications.argoproj.io/subscribe.on-canary-failed-trust-service.github-dispatch"] = "payment-service";
    });
    const [only, ...rest] = failureLoopFindings(changed, [workflow]);
    expect(rest).toEqual([]);
    expect(only?.message).toContain("delivers Canary/trust-service but nothing dispatches");
    expect(only?.message).toContain('its client_payload service is "payment-service", not "trust-service"');
  });

  const configCases: Array<[string, (d: Record<string, string>) => void, RegExp]> = [
    ["an event_type rollback.yml does not run on", (d) => void (d["template.canary-failed-dispatch"] = d["template.canary-failed-dispatch"]?.replace('"deployment-failed"', '"canary-failed"')), /its body's event_type is not "deployment-failed"/],
    ["a payload without the cause", (d) => void (d["template.canary-failed-dispatch"] = d["template.canary-failed-dispatch"]?.replace(/\s*"cause": "canary-failed",/, "")), /its client_payload cause is null, not "canary-failed"/],
    ["a webhook to another API", (d) => void (d["template.canary-failed-dispatch"] = d["template.canary-failed-dispatch"]?.replace("/dispatches", "/statuses/x")), /sends POST https:\/\/api\.github\.com\/repos\/blessed-horizon\/blessed-horizon\/statuses\/x, not POST/],
    ["a trigger on the Application's health, not the Canary's", (d) => void (d["trigger.on-canary-failed-payment-service"] = "- when: app.status.health.status == 'Degraded'\n  send: [canary-failed-dispatch]\n"), /Canary\/payment-service but .*no notifications\.argoproj\.io\/subscribe.*on a trigger of Canary payment-service turning Degraded/],
    ["oncePer on the sync revision (every later sync would roll back again)", (d) => void (d["trigger.on-canary-failed-payment-service"] = `${d["trigger.on-canary-failed-payment-service"] ?? ""}  oncePer: app.status.sync.revision\n`), /has oncePer app\.status\.sync\.revision: it notifies again for each new value while the Canary stays Failed/],
    ["a condition that sends nothing", (d) => void (d["trigger.on-canary-failed-payment-service"] = d["trigger.on-canary-failed-payment-service"]?.replace("send: [canary-failed-dispatch]", "send: []")), /trigger on-canary-failed-payment-service sends no template/],
    ["no Authorization token", (d) => void (d["service.webhook.github-dispatch"] = d["service.webhook.github-dispatch"]?.replace("Bearer $github-dispatch-token", "Bearer none")), /sends no Authorization header with a token from argocd-notifications-secret/],
  ];
  it.each(configCases)("finds %s", (_, change, message) => {
    const changed = edited(view, "ConfigMap", "argocd-notifications-cm", (o) => change(data(o)));
    const found = failureLoopFindings(changed, [workflow]);
    expect(found.length).toBeGreaterThan(0);
    for (const f of found) expect(f.message).toMatch(message);
  });

  it("finds a token no ExternalSecret delivers", () => {
    const changed = edited(view, "ExternalSecret", "argocd-notifications-secret", (o) => {
      ((o.spec as { data: Array<{ secretKey: string }> }).data[0]).secretKey = "other";
    });
    expect(failureLoopFindings(changed, [workflow]).map((f) => f.message).join("\n")).toContain("no Secret or ExternalSecret deploy/ renders puts the key github-dispatch-token into argocd-notifications-secret");
  });

  it("finds resource health kept out of the Application (Argo CD 3.x's default)", () => {
    const changed = edited(view, "ConfigMap", "argocd-cmd-params-cm", (o) => void delete data(o)["controller.resource.health.persist"]);
    const found = failureLoopFindings(changed, [workflow]);
    expect(found.map((f) => [f.file, f.message])).toEqual([
      ["deploy/argocd/argocd-cmd-params-cm.yaml", expect.stringContaining('does not set controller.resource.health.persist: "true"')],
    ]);
  });

  it("finds a rollback workflow that does not read the cause, and a dispatch no workflow runs on", () => {
    const noCause = { ...workflow, text: workflow.text.replaceAll("client_payload.cause", "client_payload.reason") };
    expect(failureLoopFindings(view, [noCause]).map(formatFinding)).toEqual([
      expect.stringMatching(/^\.github\/workflows\/rollback\.yml:\d+: \[notifications\] reads no github\.event\.client_payload\.cause/),
    ]);
    const other = { ...workflow, text: workflow.text.replace("types: [deployment-failed]", "types: [something-else]") };
    expect(failureLoopFindings(view, [other]).map((f) => f.message)).toEqual([expect.stringContaining("no workflow under .github/workflows runs on repository_dispatch types [deployment-failed]")]);
  });
});
