import type { GateReport } from "./gates.js";

/**
 * The quality gates as GitHub commit statuses (REST `POST /repos/{owner}/{repo}/statuses/{sha}`): one per
 * service and gate, from the same JSON `horizon gate --json` prints, and one aggregate `horizon/gates` that
 * every run reports, so branch protection can require it without blocking changes that affect no service.
 */

export interface CommitStatus {
  context: string;
  /** The states GitHub's statuses API accepts. */
  state: "success" | "failure" | "error" | "pending";
  description: string;
  target_url?: string;
}

const AGGREGATE_CONTEXT = "horizon/gates";

/** GitHub refuses a status description longer than 140 characters. */
const MAX_DESCRIPTION = 140;
const clip = (text: string): string => (text.length <= MAX_DESCRIPTION ? text : `${text.slice(0, MAX_DESCRIPTION - 1)}…`);

export interface ServiceGates {
  service: string;
  /** Undefined: the service was affected but no gate report arrived (its job failed or was cancelled). */
  report?: GateReport;
}

export function gateStatuses(services: readonly ServiceGates[], targetUrl?: string): CommitStatus[] {
  const link = targetUrl ? { target_url: targetUrl } : {};
  const statuses: CommitStatus[] = [];
  for (const { service, report } of services) {
    if (!report) {
      statuses.push({ context: `${AGGREGATE_CONTEXT}/${service}`, state: "error", description: clip(`${service}: no gate report (the quality-gate job did not finish)`), ...link });
      continue;
    }
    for (const gate of report.gates) {
      const failed = gate.checks.filter((c) => c.status === "fail");
      const warned = gate.checks.filter((c) => c.status === "warn");
      const detail = (failed.length > 0 ? failed : warned.length > 0 ? warned : gate.checks).map((c) => c.message).join("; ");
      statuses.push({
        context: `${AGGREGATE_CONTEXT}/${service}/${gate.gate}`,
        // A warning is not a failure: the gate says it is not required, or its evidence is optional.
        state: gate.status === "fail" ? "failure" : "success",
        description: clip(`${gate.status === "warn" ? "warning: " : ""}${detail || gate.status}`),
        ...link,
      });
    }
  }
  const missing = services.filter((s) => !s.report).map((s) => s.service);
  const failing = services.filter((s) => s.report?.status === "fail").map((s) => s.service);
  let aggregate: CommitStatus;
  if (services.length === 0) aggregate = { context: AGGREGATE_CONTEXT, state: "success", description: "no service affected: no gate to pass", ...link };
  else if (failing.length > 0 || missing.length > 0) {
    const parts = [failing.length > 0 ? `failed: ${failing.join(", ")}` : "", missing.length > 0 ? `no report: ${missing.join(", ")}` : ""].filter(Boolean);
    aggregate = { context: AGGREGATE_CONTEXT, state: "failure", description: clip(parts.join("; ")), ...link };
  } else aggregate = { context: AGGREGATE_CONTEXT, state: "success", description: clip(`all gates pass for ${services.map((s) => s.service).join(", ")}`), ...link };
  return [...statuses, aggregate];
}
