import { parse } from "yaml";
import { at, isObject, ofKind, stringMap } from "./cluster-view.js";
import type { ClusterView, RenderedObject } from "./cluster-view.js";

/**
 * argocd-notifications-cm as Argo CD Notifications reads it
 * (argo-cd docs/operator-manual/notifications/: triggers.md, templates.md,
 * services/webhook.md): `trigger.<name>` a list of conditions,
 * `template.<name>` with per-webhook method/path/body, `service.webhook.<name>`
 * with url and headers.
 */
export interface NotificationsConfig {
  object: RenderedObject;
  triggers: Map<string, TriggerCondition[]>;
  templates: Map<string, Map<string, WebhookRequest>>;
  webhooks: Map<string, WebhookService>;
}

export interface TriggerCondition {
  when: string;
  send: string[];
  oncePer?: string;
}

export interface WebhookRequest {
  method: string;
  path: string;
  body: string;
}

interface WebhookService {
  url: string;
  headers: Array<{ name: string; value: string }>;
}

export const NOTIFICATIONS_CM = "argocd-notifications-cm";
const SUBSCRIBE = "notifications.argoproj.io/subscribe.";

function parseValue(text: string): unknown {
  try {
    return parse(text) as unknown;
  } catch {
    return undefined;
  }
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((s): s is string => typeof s === "string") : []);

function conditions(value: unknown): TriggerCondition[] {
  // A trigger is a list of conditions; triggers.md also shows a single mapping.
  const list = Array.isArray(value) ? value : isObject(value) ? [value] : [];
  return list.filter(isObject).map((c) => ({
    when: typeof c.when === "string" ? c.when : "",
    send: strings(c.send),
    ...(typeof c.oncePer === "string" ? { oncePer: c.oncePer } : {}),
  }));
}

function webhookRequests(value: unknown): Map<string, WebhookRequest> {
  const webhooks = isObject(value) && isObject(value.webhook) ? value.webhook : {};
  const out = new Map<string, WebhookRequest>();
  for (const [name, w] of Object.entries(webhooks)) {
    if (!isObject(w)) continue;
    // services/webhook.md: "method: ... Default value: GET".
    out.set(name, { method: typeof w.method === "string" ? w.method : "GET", path: typeof w.path === "string" ? w.path : "", body: typeof w.body === "string" ? w.body : "" });
  }
  return out;
}

function webhookService(value: unknown): WebhookService {
  const v = isObject(value) ? value : {};
  const text = (x: unknown): string => (typeof x === "string" || typeof x === "number" ? String(x) : "");
  const headers = (Array.isArray(v.headers) ? v.headers : []).filter(isObject).map((h) => ({ name: text(h.name), value: text(h.value) }));
  return { url: typeof v.url === "string" ? v.url : "", headers };
}

/** The rendered argocd-notifications-cm, parsed; undefined when deploy/ renders none. */
export function notificationsConfig(view: ClusterView): NotificationsConfig | undefined {
  const object = ofKind(view, "ConfigMap").find((c) => at(c.object, ["metadata", "name"]) === NOTIFICATIONS_CM);
  if (!object) return undefined;
  const config: NotificationsConfig = { object, triggers: new Map(), templates: new Map(), webhooks: new Map() };
  for (const [key, text] of Object.entries(stringMap(at(object.object, ["data"])))) {
    const value = parseValue(text);
    if (key.startsWith("trigger.")) config.triggers.set(key.slice("trigger.".length), conditions(value));
    else if (key.startsWith("template.")) config.templates.set(key.slice("template.".length), webhookRequests(value));
    else if (key.startsWith("service.webhook.")) config.webhooks.set(key.slice("service.webhook.".length), webhookService(value));
  }
  return config;
}

export interface Subscription {
  key: string;
  trigger: string;
  service: string;
  recipients: string[];
  holder: RenderedObject;
}

/**
 * `notifications.argoproj.io/subscribe.<trigger>.<service>: <recipients>` on
 * the Application and on its AppProject (subscriptions.md); recipients split
 * on ";" (notifications-engine pkg/subscriptions/annotations.go).
 */
export function subscriptionsOf(view: ClusterView, app: RenderedObject): Subscription[] {
  const project = ofKind(view, "AppProject").find((p) => at(p.object, ["metadata", "name"]) === at(app.object, ["spec", "project"]));
  return [app, ...(project ? [project] : [])].flatMap((holder) =>
    Object.entries(stringMap(at(holder.object, ["metadata", "annotations"])))
      .filter(([key]) => key.startsWith(SUBSCRIBE))
      .map(([key, value]) => {
        const [trigger = "", service = ""] = key.slice(SUBSCRIBE.length).split(".");
        const recipients = value.split(";").map((r) => r.trim()).filter(Boolean);
        return { key, trigger, service, recipients: recipients.length > 0 ? recipients : [""], holder };
      }),
  );
}
