import { readFile } from "node:fs/promises";
import { join, posix } from "node:path";
import { parse } from "yaml";
import { at, clusterView, isObject, ofKind, stringMap } from "./cluster-view.js";
import type { ClusterView, RenderedObject } from "./cluster-view.js";
import { finding } from "./findings.js";
import type { Finding } from "./findings.js";
import { isYaml, listFiles } from "./files.js";
import { NOTIFICATIONS_CM, notificationsConfig, subscriptionsOf } from "./notifications-config.js";
import type { NotificationsConfig, Subscription, TriggerCondition, WebhookRequest } from "./notifications-config.js";
import type { RenderedTarget } from "./kustomize.js";
import { objectLabel, SourceIndex } from "./source-index.js";

/** What rollback.yml needs from the dispatch's client_payload to run `horizon release rollback --env --service --cause`. */
const PAYLOAD_FIELDS = ["environment", "service", "cause"] as const;
const EVENT = "deployment-failed";
/** Reasons that say only that a subscription's trigger is about another Canary. */
const SHALLOW = /^trigger \S+ has no condition on Canary /;
const DISPATCHES = /^\/repos\/[^/{}]+\/[^/{}]+\/dispatches$/;

export interface WorkflowFile {
  file: string;
  text: string;
}

/** The Canaries an Application renders, and the environment (its source path's folder) rollback.yml is told. */
function delivered(view: ClusterView, app: RenderedObject): { environment: string; canaries: string[] } | undefined {
  const path = at(app.object, ["spec", "source", "path"]);
  if (typeof path !== "string") return undefined;
  const canaries = ofKind(view, "Canary").filter((c) => c.target === path || c.target.endsWith(`/${path}`));
  if (canaries.length === 0) return undefined;
  return { environment: path.split("/").filter(Boolean).at(-1) ?? path, canaries: canaries.map((c) => String(at(c.object, ["metadata", "name"]))).sort() };
}

/** A webhook body as the engine renders it (Go text/template) for what the check can know: recipient, app name and labels. */
function renderBody(body: string, recipient: string, app: RenderedObject): string {
  const labels = stringMap(at(app.object, ["metadata", "labels"]));
  return body.replace(/\{\{-?\s*(.*?)\s*-?\}\}/g, (_, action: string) => {
    if (action === ".recipient") return recipient;
    if (action === ".app.metadata.name") return String(at(app.object, ["metadata", "name"]));
    const label = /^index \.app\.metadata\.labels "([^"]+)"$/.exec(action);
    if (label?.[1] !== undefined) return labels[label[1]] ?? "";
    return "(runtime value)";
  });
}

/** Why this body does not ask rollback.yml to roll back `canary` in `environment`; undefined when it does. */
function payloadProblem(request: WebhookRequest, recipient: string, app: RenderedObject, canary: string, environment: string): string | undefined {
  let json: unknown;
  try {
    json = JSON.parse(renderBody(request.body, recipient, app));
  } catch {
    return "its body is not JSON";
  }
  const payload = isObject(json) && isObject(json.client_payload) ? json.client_payload : {};
  if (!isObject(json) || json.event_type !== EVENT) return `its body's event_type is not "${EVENT}" (the type rollback.yml runs on)`;
  const want: Record<(typeof PAYLOAD_FIELDS)[number], string> = { environment, service: canary, cause: "canary-failed" };
  const wrong = PAYLOAD_FIELDS.filter((k) => payload[k] !== want[k]);
  if (wrong.length === 0) return undefined;
  return `its client_payload ${wrong.map((k) => `${k} is ${JSON.stringify(payload[k] ?? null)}, not "${want[k]}"`).join(", ")}`;
}

/** Whether the notifications token is delivered: a Secret or an ExternalSecret writing argocd-notifications-secret with that key. */
function tokenDelivered(view: ClusterView, key: string): boolean {
  const secret = ofKind(view, "Secret").find((s) => at(s.object, ["metadata", "name"]) === "argocd-notifications-secret");
  if (secret && (key in stringMap(at(secret.object, ["data"])) || key in stringMap(at(secret.object, ["stringData"])))) return true;
  return ofKind(view, "ExternalSecret").some((e) => {
    const target = at(e.object, ["spec", "target", "name"]) ?? at(e.object, ["metadata", "name"]);
    const data = at(e.object, ["spec", "data"]);
    return target === "argocd-notifications-secret" && Array.isArray(data) && data.some((d) => isObject(d) && d.secretKey === key);
  });
}

/** Why `request` (sent through webhook `service`) is not a repository_dispatch with a token; undefined when it is. */
function requestProblem(view: ClusterView, config: NotificationsConfig, service: string, template: string, request: WebhookRequest): string | undefined {
  const webhook = config.webhooks.get(service);
  if (!webhook) return `no service.webhook.${service} in ${NOTIFICATIONS_CM}`;
  let url: URL;
  try {
    // services/webhook.md: the template's path is appended to the service's url.
    url = new URL(`${webhook.url.replace(/\/+$/, "")}/${request.path.replace(/^\/+/, "")}`);
  } catch {
    return `service.webhook.${service} has no valid url`;
  }
  if (request.method.toUpperCase() !== "POST" || url.hostname !== "api.github.com" || !DISPATCHES.test(url.pathname)) {
    return `template ${template} sends ${request.method.toUpperCase()} ${url.href}, not POST https://api.github.com/repos/{owner}/{repo}/dispatches`;
  }
  const auth = webhook.headers.find((h) => h.name.toLowerCase() === "authorization");
  const key = auth ? /\$([\w.-]+)/.exec(auth.value)?.[1] : undefined;
  if (!key) return `service.webhook.${service} sends no Authorization header with a token from argocd-notifications-secret ($<key>)`;
  if (!tokenDelivered(view, key)) return `no Secret or ExternalSecret deploy/ renders puts the key ${key} into argocd-notifications-secret`;
  return undefined;
}

const mentions = (when: string, word: string): boolean => new RegExp(`['"]${word.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}['"]`).test(when);

/** Why `sub` does not dispatch a rollback of `canary` when it fails; "" when it does. */
function subscriptionProblem(view: ClusterView, config: NotificationsConfig, sub: Subscription, app: RenderedObject, canary: string, environment: string): string {
  const trigger = config.triggers.get(sub.trigger);
  if (!trigger) return `${sub.key}: no trigger.${sub.trigger} in ${NOTIFICATIONS_CM}`;
  const onCanary = trigger.filter((c: TriggerCondition) => mentions(c.when, "Canary") && mentions(c.when, canary) && mentions(c.when, "Degraded"));
  if (onCanary.length === 0) return `trigger ${sub.trigger} has no condition on Canary ${canary} turning Degraded`;
  let why = `trigger ${sub.trigger} sends no template`;
  for (const condition of onCanary) {
    if (condition.oncePer) {
      why = `trigger ${sub.trigger} has oncePer ${condition.oncePer}: it notifies again for each new value while the Canary stays Failed, and each would roll back once more`;
      continue;
    }
    for (const template of condition.send) {
      const request = config.templates.get(template)?.get(sub.service);
      if (!request) {
        why = `template ${template} has no webhook.${sub.service}`;
        continue;
      }
      const problem = requestProblem(view, config, sub.service, template, request);
      if (problem) {
        why = problem;
        continue;
      }
      const payload = sub.recipients.map((r) => payloadProblem(request, r, app, canary, environment));
      if (payload.includes(undefined)) return "";
      why = `template ${template}: ${payload[0] ?? ""}`;
    }
  }
  return why;
}

/** The workflow that runs on repository_dispatch deployment-failed, and the client_payload fields it does not read. */
function workflowFindings(workflows: readonly WorkflowFile[], config: NotificationsConfig, view: ClusterView): Finding[] {
  const runsOn = (w: WorkflowFile): boolean => {
    const doc: unknown = (() => {
      try {
        return parse(w.text) as unknown;
      } catch {
        return undefined;
      }
    })();
    const types = at(doc, ["on", "repository_dispatch", "types"]);
    return Array.isArray(types) && types.includes(EVENT);
  };
  const workflow = workflows.find(runsOn);
  if (!workflow) {
    const source = view.sources.locate(config.object.object, config.object.target);
    return [finding(source.file, source.lineOf(["data"]), "notifications", `no workflow under .github/workflows runs on repository_dispatch types [${EVENT}]: the dispatch would start nothing`)];
  }
  const unread = PAYLOAD_FIELDS.filter((k) => !workflow.text.includes(`client_payload.${k}`));
  if (unread.length === 0) return [];
  const line = workflow.text.split("\n").findIndex((l) => l.includes("repository_dispatch")) + 1;
  return [finding(workflow.file, line, "notifications", `reads no github.event.client_payload.${unread.join(", no ")}: the canary-failed dispatch carries ${PAYLOAD_FIELDS.join(", ")} for horizon release rollback --env, --service and --cause`)];
}

/**
 * The failure loop, closed in files: every Application that delivers
 * Canaries is subscribed, for each Canary, to a trigger on that Canary turning
 * Degraded (argo-cd resource_customizations/flagger.app/Canary/health.lua:
 * status.phase Failed) whose webhook POSTs GitHub's repository_dispatch
 * `deployment-failed` with environment, service and cause; the token comes
 * from a Secret deploy/ delivers; Argo CD keeps resource health in the
 * Application for the trigger to read; and a workflow runs on the event and
 * reads those fields.
 */
export function failureLoopFindings(view: ClusterView, workflows: readonly WorkflowFile[]): Finding[] {
  const apps = ofKind(view, "Application").flatMap((app) => {
    const d = delivered(view, app);
    return d ? [{ app, ...d }] : [];
  });
  if (apps.length === 0) return [];
  const config = notificationsConfig(view);
  const findings: Finding[] = [];
  for (const { app, environment, canaries } of apps) {
    const source = view.sources.locate(app.object, app.target);
    const line = source.lineOf(["metadata", "annotations"]) || source.lineOf(["metadata"]);
    const subs = subscriptionsOf(view, app);
    for (const sub of subs) {
      const name = sub.key.slice(sub.key.indexOf("/") + 1);
      if (name.length > 63) findings.push(finding(source.file, line, "notifications", `${objectLabel(app.object)}: annotation ${sub.key}: the name after "/" is ${name.length} characters, Kubernetes allows 63`));
    }
    const byReason = new Map<string, string[]>();
    for (const canary of canaries) {
      const reasons = config ? subs.map((s) => subscriptionProblem(view, config, s, app, canary, environment)) : [`deploy/ renders no ConfigMap ${NOTIFICATIONS_CM}`];
      if (reasons.includes("")) continue;
      // The subscriptions meant for other Canaries say only that their trigger is not about this one.
      const reason =
        reasons.find((r) => !SHALLOW.test(r)) ??
        `no notifications.argoproj.io/subscribe.<trigger>.<webhook> annotation on a trigger of Canary ${canary} turning Degraded`;
      byReason.set(reason, [...(byReason.get(reason) ?? []), canary]);
    }
    for (const [reason, names] of byReason) {
      findings.push(
        finding(
          source.file,
          line,
          "notifications",
          `${objectLabel(app.object)} delivers ${names.map((n) => `Canary/${n}`).join(", ")} but nothing dispatches ${EVENT} when Flagger fails ${names.length > 1 ? "them" : "it"} (${reason}): git keeps the bad image, no rollback or hold follows, and history and dora count a success`,
        ),
      );
    }
  }
  if (!config) return findings;
  const params = ofKind(view, "ConfigMap").find((c) => at(c.object, ["metadata", "name"]) === "argocd-cmd-params-cm");
  if (at(params?.object, ["data", "controller.resource.health.persist"]) !== "true") {
    const holder = params ?? config.object;
    const source = view.sources.locate(holder.object, holder.target);
    findings.push(
      finding(source.file, source.lineOf(["data"]), "notifications", `argocd-cmd-params-cm does not set controller.resource.health.persist: "true": Argo CD 3.x keeps resource health out of the Application, so no trigger sees a Canary turn Degraded`),
    );
  }
  // A manifests repository alone (no workflows at all) has no rollback workflow to check.
  return workflows.length === 0 ? findings : [...findings, ...workflowFindings(workflows, config, view)];
}

/** Reads the workflows and checks the loop over everything deploy/ renders. */
export async function checkFailureLoop(root: string, deployDir: string, rendered: readonly RenderedTarget[]): Promise<Finding[]> {
  const sources = await SourceIndex.read(root, deployDir, [posix.join(deployDir, "schemas")]);
  const files = await listFiles(root, ".github/workflows", isYaml);
  const workflows = await Promise.all(files.map(async (file) => ({ file, text: await readFile(join(root, file), "utf8") })));
  return failureLoopFindings(clusterView(rendered, sources), workflows);
}
