import { readFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { at, isObject, ofKind } from "./cluster-view.js";
import type { ClusterView, RenderedObject } from "./cluster-view.js";
import { finding } from "./findings.js";
import type { Finding } from "./findings.js";
import { objectLabel } from "./source-index.js";

/** What the service kit uses when a variable is unset (packages/service-kit/src/events/nats.ts). */
const KIT_DEFAULTS = { NATS_STREAM: "BLESSED_HORIZON", NATS_SUBJECT_PREFIX: "events" } as const;
type Setting = keyof typeof KIT_DEFAULTS;

interface BusSettings {
  deployment: string;
  url: string;
  values: Record<Setting, { value: string; set: boolean }>;
}

/** The literal env of a Deployment's containers (valueFrom is not knowable from files). */
function envOf(deployment: RenderedObject): Map<string, string> {
  const env = new Map<string, string>();
  const containers = at(deployment.object, ["spec", "template", "spec", "containers"]);
  for (const container of Array.isArray(containers) ? containers : []) {
    const vars = isObject(container) ? container.env : undefined;
    for (const v of Array.isArray(vars) ? vars : []) if (isObject(v) && typeof v.name === "string" && typeof v.value === "string") env.set(v.name, v.value);
  }
  return env;
}

function busSettings(deployment: RenderedObject): BusSettings | undefined {
  const env = envOf(deployment);
  const url = env.get("NATS_URL");
  if (!url) return undefined;
  const value = (name: Setting) => ({ value: env.get(name) || KIT_DEFAULTS[name], set: Boolean(env.get(name)) });
  return { deployment: objectLabel(deployment.object), url, values: { NATS_STREAM: value("NATS_STREAM"), NATS_SUBJECT_PREFIX: value("NATS_SUBJECT_PREFIX") } };
}

/** Streams on `a.>` and `b.>` overlap when one prefix's tokens begin the other's (`*` matches any token). */
function overlaps(a: string, b: string): boolean {
  const x = a.split(".");
  const y = b.split(".");
  return x.slice(0, Math.min(x.length, y.length)).every((t, i) => t === y[i] || t === "*" || y[i] === "*");
}

const sameServer = (a: string, b: string): boolean => a.split(",").some((u) => b.split(",").includes(u));
const where = (s: BusSettings, name: Setting): string => `Deployment env ${name}${s.values[name].set ? "" : ", unset: the kit's default"}`;

/**
 * Each environment has its own NATS stream and subjects: a durable consumer
 * is named within its stream, so environments sharing a stream share every
 * consumer and JetStream load-balances one environment's events into the
 * other's services; and JetStream refuses a second stream whose subjects
 * overlap the first. Within an environment every service uses the same ones,
 * or they do not see each other's events.
 */
export async function natsFindings(root: string, view: ClusterView): Promise<Finding[]> {
  const environments = new Map<string, { target: string; settings: BusSettings[] }>();
  for (const d of ofKind(view, "Deployment").filter((o) => o.target.includes("/environments/"))) {
    const settings = busSettings(d);
    if (!settings) continue;
    const env = environments.get(basename(d.target)) ?? { target: d.target, settings: [] };
    env.settings.push(settings);
    environments.set(basename(d.target), env);
  }
  const findings: Finding[] = [];
  const lineIn = async (target: string, needle: string): Promise<number> => {
    const text = await readFile(join(root, target, "kustomization.yaml"), "utf8").catch(() => "");
    return text.split("\n").findIndex((l) => l.includes(needle)) + 1 || 1;
  };
  const chosen = new Map<string, BusSettings>();
  for (const [name, env] of [...environments].sort(([a], [b]) => a.localeCompare(b))) {
    const sorted = env.settings.sort((a, b) => a.deployment.localeCompare(b.deployment));
    const first = sorted[0];
    chosen.set(name, first);
    for (const other of sorted.slice(1)) {
      for (const setting of Object.keys(KIT_DEFAULTS) as Setting[]) {
        if (other.values[setting].value === first.values[setting].value) continue;
        findings.push(
          finding(`${env.target}/kustomization.yaml`, await lineIn(env.target, setting), "nats", `${other.deployment} has ${setting} "${other.values[setting].value}" but ${first.deployment} "${first.values[setting].value}": services of one environment must share the stream and subjects to see each other's events`),
        );
      }
    }
  }
  const names = [...chosen.keys()];
  for (const [i, a] of names.entries()) {
    for (const b of names.slice(i + 1)) {
      const x = chosen.get(a) as BusSettings;
      const y = chosen.get(b) as BusSettings;
      if (!sameServer(x.url, y.url)) continue;
      const target = (environments.get(b) as { target: string }).target;
      const file = `${target}/kustomization.yaml`;
      if (x.values.NATS_STREAM.value === y.values.NATS_STREAM.value) {
        findings.push(
          finding(file, await lineIn(target, "NATS_STREAM"), "nats", `${b} and ${a} share the NATS stream "${y.values.NATS_STREAM.value}" on ${y.url} (${where(y, "NATS_STREAM")}): their durable consumers are the same, so one environment's events are load-balanced into the other's services`),
        );
      }
      if (overlaps(x.values.NATS_SUBJECT_PREFIX.value, y.values.NATS_SUBJECT_PREFIX.value)) {
        findings.push(
          finding(file, await lineIn(target, "NATS_SUBJECT_PREFIX"), "nats", `${b}'s subjects "${y.values.NATS_SUBJECT_PREFIX.value}.>" overlap ${a}'s "${x.values.NATS_SUBJECT_PREFIX.value}.>" on ${y.url} (${where(y, "NATS_SUBJECT_PREFIX")}): JetStream refuses a second stream on overlapping subjects`),
        );
      }
    }
  }
  return findings;
}
