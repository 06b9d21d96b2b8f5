import { barChart } from "./charts.js";
import { formatDuration, html, raw, type RawHtml } from "./html.js";
import { isWipImage } from "./model.js";
import type { DashboardData, DashboardDeployment, DashboardEnvironmentPolicy, DashboardGate, DashboardLink, DashboardRun, DashboardRunListEntry } from "./model.js";
import { DASHBOARD_CSS } from "./style.js";

/** The delivery dashboard: one self-contained HTML page (no scripts, no network), from plain data. */
export function renderDashboard(data: DashboardData): string {
  const page = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${data.title}</title>
<style>${raw(DASHBOARD_CSS)}</style>
</head>
<body>
<header>
  <h1>${data.title}</h1>
  <p class="generated">Generated ${data.generatedAt}</p>
</header>
<main>
${runSection(data.run)}
${runsSection(data.runs)}
${gatesSection(data.gates)}
${environmentsSection(data.deployments)}
${policySection(data.policies)}
${doraSection(data.dora)}
${historySection(data.history)}
</main>
</body>
</html>
`;
  return page.__html;
}

function badge(status: string): RawHtml {
  return html`<span class="badge ${status}">${status}</span>`;
}

function runSection(run: DashboardRun | undefined): RawHtml {
  if (!run) return html`<section id="run"><h2>Last run</h2><p class="empty">No pipeline run yet: <code>npm run pipeline</code>.</p></section>`;
  return html`<section id="run" data-testid="run">
  <h2>Last run ${badge(run.status)}</h2>
  <p class="meta">Run <code>${run.runId}</code> started ${run.startedAt}, took <strong data-testid="run-duration">${formatDuration(run.durationMs)}</strong>${run.commit ? html`, commit <code>${run.commit.slice(0, 12)}</code>` : ""}; services: ${run.services.length > 0 ? run.services.join(", ") : "none changed"}.</p>
  ${run.failure ? html`<p class="failure" data-testid="run-failure">${run.failure}</p>` : ""}
  <table class="stages">
    <thead><tr><th>Stage</th><th>Service</th><th>Status</th><th class="num">Duration</th><th>Result</th><th>Files</th></tr></thead>
    <tbody>${run.stages.map(
      (s) => html`<tr class="${s.status}"><td class="nowrap">${s.title}</td><td class="nowrap">${s.service ?? ""}</td><td>${badge(s.status)}</td><td class="num">${formatDuration(s.durationMs)}</td><td>${s.summary}</td><td class="files">${links(s.links ?? [])}</td></tr>`,
    )}</tbody>
  </table>
</section>`;
}

function links(list: readonly DashboardLink[]): RawHtml {
  return raw(list.map((l) => html`<a href="${l.href}">${l.label}</a>`.__html).join(" "));
}

/** Every run under .horizon/runs, newest first, each linking to its own dashboard. */
function runsSection(runs: readonly DashboardRunListEntry[]): RawHtml {
  if (runs.length === 0) return html``;
  return html`<section id="runs" data-testid="runs">
  <h2>Runs <span class="small">${runs.length} kept in .horizon/runs</span></h2>
  <table>
    <thead><tr><th>Run</th><th>Status</th><th>Started</th><th class="num">Duration</th><th>Commit</th><th>Services</th><th>Failure</th></tr></thead>
    <tbody>${runs.map(
      (r) =>
        html`<tr class="${r.current ? `current ${r.status}` : r.status}"><td>${r.current ? `${r.runId} (this run)` : r.href ? html`<a href="${r.href}">${r.runId}</a>` : r.runId}</td><td>${badge(r.status)}</td><td>${r.startedAt}</td><td class="num">${formatDuration(r.durationMs)}</td><td>${r.commit ? html`<code>${r.commit.slice(0, 12)}</code>` : ""}</td><td>${r.services.join(", ")}</td><td>${r.failure ?? ""}</td></tr>`,
    )}</tbody>
  </table>
</section>`;
}

function gatesSection(gates: readonly DashboardGate[]): RawHtml {
  if (gates.length === 0) return html`<section id="gates"><h2>Quality gates</h2><p class="empty">No gate results in this run.</p></section>`;
  return html`<section id="gates" data-testid="gates">
  <h2>Quality gates</h2>
  <table>
    <thead><tr><th>Service</th><th>Gate</th><th>Status</th><th class="num">Actual</th><th class="num">Threshold</th><th>Verdict</th></tr></thead>
    <tbody>${gates.map(
      (g) =>
        html`<tr class="${g.status}" data-gate="${g.shared ? "shared" : g.services.join(",")}/${g.gate}">${g.shared ? html`<td class="nowrap" title="${g.services.join(", ")}">all services (${g.services.length})</td>` : html`<td class="nowrap">${g.services.join(", ")}</td>`}<td>${g.gate}</td><td>${badge(g.status)}</td><td class="num">${g.actual}</td><td class="num">${g.threshold}</td><td>${g.message}</td></tr>`,
    )}</tbody>
  </table>
</section>`;
}

function environmentsSection(deployments: readonly DashboardDeployment[]): RawHtml {
  if (deployments.length === 0) return html`<section id="environments"><h2>Environments</h2><p class="empty">No manifests repository found.</p></section>`;
  const environments = unique(deployments.map((d) => d.environment)).sort(byPromotionOrder);
  const services = unique(deployments.map((d) => d.service)).sort();
  const at = (env: string, service: string) => deployments.find((d) => d.environment === env && d.service === service);
  return html`<section id="environments" data-testid="environments">
  <h2>Environments</h2>
  <table class="matrix">
    <thead><tr><th>Service</th>${environments.map((e) => html`<th>${e}</th>`)}</tr></thead>
    <tbody>${services.map(
      (service) => html`<tr><td>${service}</td>${environments.map((env) => {
        const d = at(env, service);
        if (!d) return html`<td class="none">—</td>`;
        const marks = [d.wip ? html`<br><span class="mark wip">uncommitted work (-wip)</span>` : "", d.managed ? "" : html`<br><span class="mark unmanaged">made without horizon</span>`];
        const cls = [d.wip ? "wip" : "", d.managed ? "" : "unmanaged"].filter(Boolean).join(" ");
        return html`<td${cls ? raw(` class="${cls}"`) : ""} data-cell="${env}/${service}"><code>${d.image}</code>${marks}${d.sourceCommit ? html`<br><span class="small">from ${d.sourceCommit.slice(0, 7)}</span>` : ""}${d.deployedAt ? html`<br><span class="small">${d.deployedAt}</span>` : ""}${d.hold ? html`<br><span class="hold" title="${d.hold}">on hold: ${d.hold}</span>` : ""}</td>`;
      })}</tr>`,
    )}</tbody>
  </table>
</section>`;
}

/** Per environment: frozen or not, the next window, the images soaking with the time left, and the flags. */
function policySection(policies: readonly DashboardEnvironmentPolicy[]): RawHtml {
  if (policies.length === 0) return html`<section id="policy"><h2>Promotion policy and flags</h2><p class="empty">No manifests repository found.</p></section>`;
  const problem = policies.find((p) => p.problem)?.problem;
  return html`<section id="policy" data-testid="policy">
  <h2>Promotion policy and flags <span class="small">promotion-policy.yaml, ${policies[0]?.timezone ?? "UTC"}</span></h2>
  ${problem ? html`<p class="failure">${problem}</p>` : ""}
  <table>
    <thead><tr><th>Environment</th><th>Promotion</th><th>Soak</th><th>Images soaking</th><th>Flags</th></tr></thead>
    <tbody>${[...policies].sort((a, b) => byPromotionOrder(a.environment, b.environment)).map((p) => {
      const state = p.frozen
        ? html`<span class="mark frozen">frozen ${p.frozen.until}</span><br><span class="small">${p.frozen.reason}</span>`
        : p.open
          ? html`<span class="badge passed">open</span>`
          : html`<span class="badge warning">closed</span>`;
      return html`<tr data-env="${p.environment}"><td>${p.environment}${p.autoPromote ? html`<br><span class="small">auto-promote</span>` : ""}</td><td>${state}${p.nextOpen ? html`<br><span class="small">next window ${p.nextOpen}</span>` : ""}</td><td>${p.soak}</td><td>${
        p.soaking.length === 0
          ? html`<span class="small">none</span>`
          : p.soaking.map((i) => html`<div><code>${i.image}</code> <span class="small">${i.status}${i.eligibleAt ? html`, eligible ${i.eligibleAt}` : ""}</span></div>`)
      }</td><td>${p.flags.length === 0 ? html`<span class="small">no flag file</span>` : p.flags.map((f) => html`<div><code>${f.key}</code> <span class="small">${f.serves}</span></div>`)}</td></tr>`;
    })}</tbody>
  </table>
</section>`;
}

function doraSection(dora: DashboardData["dora"]): RawHtml {
  if (!dora) return html`<section id="dora"><h2>DORA metrics</h2><p class="empty">No deployments recorded yet.</p></section>`;
  return html`<section id="dora" data-testid="dora">
  <h2>DORA metrics <span class="small">${dora.environment}, ${dora.window}</span></h2>
  <div class="cards">${dora.metrics.map(
    (m) => html`<div class="card"><div class="label">${m.label}</div><div class="value">${m.value}</div>${m.tier ? html`<div class="tier ${m.tier.toLowerCase()}">${m.tier}</div>` : ""}${m.detail ? html`<div class="small">${m.detail}</div>` : ""}</div>`,
  )}</div>
  <div class="charts">
    <figure><figcaption>Deployments per day</figcaption>${barChart(dora.deploysPerDay, "Deployments per day", "deploys")}</figure>
    <figure><figcaption>Lead time for changes (median per day)</figcaption>${barChart(dora.leadTimeHours, "Lead time", "hours")}</figure>
  </div>
</section>`;
}

function historySection(history: DashboardData["history"]): RawHtml {
  if (history.length === 0) return html`<section id="history"><h2>Deployment history</h2><p class="empty">No deployments yet.</p></section>`;
  return html`<section id="history" data-testid="history">
  <h2>Deployment history</h2>
  <table>
    <thead><tr><th>When</th><th>Action</th><th>Environment</th><th>Services</th><th>Image</th><th>Source</th><th>By</th><th>Signed</th></tr></thead>
    <tbody>${history.map(
      (h) =>
        html`<tr class="${h.action === "rollback" ? "rollback" : h.managed ? "" : "unmanaged"}"><td>${h.time}</td><td>${h.action}</td><td>${h.environment}</td><td>${h.services.join(", ")}</td><td>${h.images.map((i) => html`<code>${i}</code>${isWipImage(i) ? html` <span class="mark wip">-wip</span>` : ""} `)}</td><td>${h.sourceCommit ? h.sourceCommit.slice(0, 7) : ""}</td><td>${h.author ?? ""}</td><td>${h.signed === undefined ? "" : h.signed ? "yes" : "no"}</td></tr>`,
    )}</tbody>
  </table>
</section>`;
}

const PROMOTION_ORDER = ["development", "staging", "production"];

/** Environments in the order releases move through them; others after, alphabetically. */
function byPromotionOrder(a: string, b: string): number {
  const rank = (e: string) => (PROMOTION_ORDER.includes(e) ? PROMOTION_ORDER.indexOf(e) : PROMOTION_ORDER.length);
  return rank(a) - rank(b) || a.localeCompare(b);
}

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}
