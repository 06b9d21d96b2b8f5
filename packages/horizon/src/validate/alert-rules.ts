import { at, isObject, ofKind, stringMap } from "./cluster-view.js";
import type { ClusterView, RenderedObject } from "./cluster-view.js";
import { finding } from "./findings.js";
import type { Finding } from "./findings.js";
import { objectLabel } from "./source-index.js";

/** The request metrics of packages/service-kit/src/http/metrics.ts: labelled by route template (`route`). */
const REQUEST_METRIC = /^http_request(?:s_total|_duration_seconds(?:_bucket|_count|_sum)?)$/;
const SELECTOR = /([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\{[^}]*\})?/g;
const MATCHER = /([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"/g;

/**
 * The quantile of Flagger's builtin `request-duration` metric: a p99 for
 * every mesh (fluxcd/flagger v1.44.0 pkg/metrics/observers/istio.go,
 * histogram_quantile(0.99, ... istio_request_duration_milliseconds_bucket)),
 * in milliseconds.
 */
const FLAGGER_REQUEST_DURATION_QUANTILE = 0.99;

interface Matcher {
  label: string;
  op: string;
  value: string;
}

/** The vector selectors of the service-kit's request metrics in a PromQL expression, with their label matchers. */
function requestSelectors(expr: string): { text: string; matchers: Matcher[] }[] {
  const out: { text: string; matchers: Matcher[] }[] = [];
  for (const m of expr.matchAll(SELECTOR)) {
    const [text, name = "", braces = ""] = m;
    if (!REQUEST_METRIC.test(name)) continue;
    const matchers = [...braces.matchAll(MATCHER)].map(([, label = "", op = "", value = ""]) => ({ label, op, value: value.replace(/\\(.)/g, "$1") }));
    out.push({ text: text.trim(), matchers });
  }
  return out;
}

/** Prometheus regex matchers are fully anchored (RE2; JavaScript's syntax agrees for route patterns). */
function fullMatch(pattern: string, value: string): boolean | undefined {
  try {
    return new RegExp(`^(?:${pattern})$`).test(value);
  } catch {
    return undefined;
  }
}

/** Whether a selector leaves out every series of `route`. */
function excludesRoute(matchers: readonly Matcher[], route: string): boolean {
  return matchers
    .filter((m) => m.label === "route")
    .some((m) => (m.op === "=" ? m.value !== route : m.op === "!=" ? m.value === route : m.op === "=~" ? fullMatch(m.value, route) === false : fullMatch(m.value, route) === true));
}

const matchesLabels = (selector: Record<string, string>, labels: Record<string, string>): boolean => Object.entries(selector).every(([k, v]) => labels[k] === v);

/**
 * Routes that are not the services' business: the HTTP probes of the pods a
 * PodMonitor scrapes (livenessProbe, readinessProbe, startupProbe), and the
 * PodMonitor's own scrape paths (default /metrics). Each with why.
 */
function probeRoutes(view: ClusterView): Map<string, string> {
  const routes = new Map<string, string>();
  const add = (route: unknown, why: string): void => {
    if (typeof route === "string" && !routes.has(route)) routes.set(route, why);
  };
  for (const monitor of ofKind(view, "PodMonitor")) {
    const endpoints = at(monitor.object, ["spec", "podMetricsEndpoints"]);
    for (const endpoint of Array.isArray(endpoints) ? endpoints : []) add(isObject(endpoint) && typeof endpoint.path === "string" ? endpoint.path : "/metrics", `${objectLabel(monitor.object)}'s scrapes`);
    const names = at(monitor.object, ["spec", "namespaceSelector", "matchNames"]);
    const any = at(monitor.object, ["spec", "namespaceSelector", "any"]) === true;
    const inScope = (ns: string | undefined): boolean => any || (Array.isArray(names) ? names.includes(ns) : ns === monitor.namespace);
    const selector = stringMap(at(monitor.object, ["spec", "selector", "matchLabels"]));
    for (const deployment of ofKind(view, "Deployment").filter((d) => inScope(d.namespace))) {
      if (!matchesLabels(selector, stringMap(at(deployment.object, ["spec", "template", "metadata", "labels"])))) continue;
      const containers = at(deployment.object, ["spec", "template", "spec", "containers"]);
      for (const container of Array.isArray(containers) ? containers : []) {
        for (const probe of ["livenessProbe", "readinessProbe", "startupProbe"]) add(at(container, [probe, "httpGet", "path"]), `${probe} of ${objectLabel(deployment.object)}`);
      }
    }
  }
  return routes;
}

interface Alert {
  rule: RenderedObject;
  path: (string | number)[];
  name: string;
  expr: string;
  annotations: Record<string, string>;
}

function alertsOf(view: ClusterView): Alert[] {
  const out: Alert[] = [];
  for (const rule of ofKind(view, "PrometheusRule")) {
    const groups = at(rule.object, ["spec", "groups"]);
    (Array.isArray(groups) ? groups : []).forEach((group, g) => {
      const rules = at(group, ["rules"]);
      (Array.isArray(rules) ? rules : []).forEach((r, i) => {
        const name = at(r, ["alert"]);
        const expr = at(r, ["expr"]);
        if (typeof name === "string" && typeof expr === "string") out.push({ rule, path: ["spec", "groups", g, "rules", i, "expr"], name, expr, annotations: stringMap(at(r, ["annotations"])) });
      });
    });
  }
  return out;
}

/** The request-duration bounds (ms) of the Canaries' builtin metric, with the Canaries that set them. */
function canaryDurationBounds(view: ClusterView): Map<number, string[]> {
  const bounds = new Map<number, string[]>();
  for (const canary of ofKind(view, "Canary")) {
    const metrics = at(canary.object, ["spec", "analysis", "metrics"]);
    for (const metric of Array.isArray(metrics) ? metrics : []) {
      if (at(metric, ["name"]) !== "request-duration" || at(metric, ["templateRef"]) !== undefined) continue;
      const max = at(metric, ["thresholdRange", "max"]);
      if (typeof max !== "number") continue;
      const label = objectLabel(canary.object);
      bounds.set(max, [...new Set([...(bounds.get(max) ?? []), label])].sort());
    }
  }
  return bounds;
}

/** `histogram_quantile(q, ...) > t` as q, t and t in milliseconds (from the histogram's unit). */
function latencyBound(expr: string): { quantile: number; ms: number } | undefined {
  const quantile = /histogram_quantile\s*\(\s*([0-9]*\.?[0-9]+)\s*,/.exec(expr)?.[1];
  const threshold = />=?\s*([0-9]*\.?[0-9]+)\s*$/.exec(expr.trim())?.[1];
  if (quantile === undefined || threshold === undefined) return undefined;
  const scale = /_seconds_bucket\b/.test(expr) ? 1000 : 1;
  return { quantile: Number(quantile), ms: Math.round(Number(threshold) * scale * 1e6) / 1e6 };
}

/**
 * What the alert rules that the Prometheus Operator loads compute:
 * - every selector of the services' request metrics (numerator and
 *   denominator alike) leaves out the probe and scrape routes: they are
 *   steady, healthy traffic, and counted they dilute an error ratio (8 %
 *   failing requests show as 4 %) and pull a latency quantile down;
 * - a latency alert on a Canary's request-duration bound uses Flagger's
 *   quantile (p99), and says the quantile it computes.
 */
export function alertFindings(view: ClusterView): Finding[] {
  const routes = probeRoutes(view);
  const bounds = canaryDurationBounds(view);
  const findings: Finding[] = [];
  for (const alert of alertsOf(view)) {
    const source = view.sources.locate(alert.rule.object, alert.rule.target);
    const where = (message: string): Finding => finding(source.file, source.lineOf(alert.path), "alerts", `${objectLabel(alert.rule.object)}: alert ${alert.name}: ${message}`);
    const selectors = requestSelectors(alert.expr);
    const counting = [...routes].filter(([route]) => selectors.some((s) => !excludesRoute(s.matchers, route)));
    if (counting.length > 0) {
      const leaky = selectors.filter((s) => counting.some(([route]) => !excludesRoute(s.matchers, route))).length;
      findings.push(
        where(
          `${leaky} of its ${selectors.length} request-metric selectors count ${counting.map(([route, why]) => `${route} (${why})`).join(", ")}: probes and scrapes are steady healthy traffic, and counted they dilute an error ratio (8 % failing requests show as 4 %) and pull a latency quantile down; leave them out of every selector, numerator and denominator (route!~"${counting.map(([r]) => r).join("|")}")`,
        ),
      );
    }
    const latency = latencyBound(alert.expr);
    if (!latency) continue;
    const canaries = bounds.get(latency.ms);
    if (canaries && latency.quantile !== FLAGGER_REQUEST_DURATION_QUANTILE) {
      findings.push(
        where(
          `has the canary analysis' bound (request-duration max ${latency.ms} ms, ${canaries.join(", ")}) but computes histogram_quantile(${latency.quantile}): Flagger's builtin request-duration is a p99 (fluxcd/flagger pkg/metrics/observers/istio.go), so a canary that fails its analysis does not fire this alert; use ${FLAGGER_REQUEST_DURATION_QUANTILE}`,
        ),
      );
    }
    const claimed = [alert.name, alert.annotations.summary ?? "", alert.annotations.description ?? ""].flatMap((t) => [...t.matchAll(/\bp(\d{2,3})\b/gi)].map((m) => m[1] ?? ""));
    // p95 is the 0.95 quantile, p999 the 0.999.
    const wrong = [...new Set(claimed)].filter((digits) => Number(`0.${digits}`) !== latency.quantile);
    if (wrong.length > 0) findings.push(where(`says p${wrong.join(", p")} but computes histogram_quantile(${latency.quantile})`));
  }
  return findings;
}
