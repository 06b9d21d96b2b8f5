/**
 * The git trailers that make a manifests-repo commit a release record. They
 * are the audit trail (`horizon release history`) and the input of DORA
 * (`horizon dora`), so they are a public format: see the package README.
 *
 *   Horizon-Action: deploy | promote | rollback | unhold | hold | freeze | unfreeze | sync | flag | break-glass
 *   Horizon-Environment: <env>                  (not on a sync: it carries deploy/ into every environment)
 *   Horizon-Promoted-From: <env>                 (promote)
 *   Horizon-Service: <service> <image>           (one per service changed)
 *   Horizon-Previous-Image: <service> <image>
 *   Horizon-Source-Commit: <service> <sha>       (application commit built into the image)
 *   Horizon-Source-Time: <service> <ISO 8601>    (its commit time: lead time starts here)
 *   Horizon-Rolls-Back: <service> <commit>       (rollback: the deployment it undoes)
 *   Horizon-Gates: <service> passed|failed|none  (set-image: the pipeline's quality-gate verdict on the image)
 *   Horizon-Cause: <why>                         (rollback: canary-failed, manual, incident <id>)
 *   Horizon-Break-Glass: <reason>                (a refused action done anyway, recorded)
 *   Horizon-Flag: <key> <what it serves now>     (flag: one per flag changed; see describeFlag in flags.ts)
 */
export const RELEASE_ACTIONS = ["deploy", "promote", "rollback", "unhold", "hold", "freeze", "unfreeze", "sync", "flag", "break-glass"] as const;
export type ReleaseAction = (typeof RELEASE_ACTIONS)[number];

export interface ServiceRelease {
  service: string;
  image: string;
  previousImage?: string;
  sourceCommit?: string;
  sourceTime?: string;
  /** The pipeline's quality-gate verdict on this image, recorded by set-image (promote --auto requires passed). */
  gates?: GateVerdictName;
}

export const GATE_VERDICTS = ["passed", "failed", "none"] as const;
export type GateVerdictName = (typeof GATE_VERDICTS)[number];

export interface ReleaseTrailers {
  action: ReleaseAction;
  environment: string;
  promotedFrom?: string;
  services: ServiceRelease[];
  rollsBack: Array<{ service: string; commit: string }>;
  cause?: string;
  breakGlass?: string;
  /** flag: each flag the commit changed and what it serves now (`on`, `rollout on 10%, off 90%`, `removed`). */
  flags?: FlagChange[];
}

export interface FlagChange {
  key: string;
  value: string;
}

const KEY = {
  action: "Horizon-Action",
  environment: "Horizon-Environment",
  promotedFrom: "Horizon-Promoted-From",
  service: "Horizon-Service",
  previousImage: "Horizon-Previous-Image",
  sourceCommit: "Horizon-Source-Commit",
  sourceTime: "Horizon-Source-Time",
  gates: "Horizon-Gates",
  rollsBack: "Horizon-Rolls-Back",
  cause: "Horizon-Cause",
  breakGlass: "Horizon-Break-Glass",
  flag: "Horizon-Flag",
} as const;

/** The commit message: subject, optional body, blank line, trailers. */
export function formatReleaseMessage(subject: string, body: readonly string[], release: ReleaseTrailers): string {
  const lines = [`${KEY.action}: ${release.action}`, `${KEY.environment}: ${release.environment}`];
  if (release.promotedFrom) lines.push(`${KEY.promotedFrom}: ${release.promotedFrom}`);
  for (const s of release.services) {
    lines.push(`${KEY.service}: ${s.service} ${s.image}`);
    if (s.previousImage) lines.push(`${KEY.previousImage}: ${s.service} ${s.previousImage}`);
    if (s.sourceCommit) lines.push(`${KEY.sourceCommit}: ${s.service} ${s.sourceCommit}`);
    if (s.sourceTime) lines.push(`${KEY.sourceTime}: ${s.service} ${s.sourceTime}`);
    if (s.gates) lines.push(`${KEY.gates}: ${s.service} ${s.gates}`);
  }
  for (const r of release.rollsBack) lines.push(`${KEY.rollsBack}: ${r.service} ${r.commit}`);
  for (const f of release.flags ?? []) lines.push(`${KEY.flag}: ${f.key} ${f.value}`);
  if (release.cause) lines.push(`${KEY.cause}: ${release.cause}`);
  if (release.breakGlass) lines.push(`${KEY.breakGlass}: ${release.breakGlass}`);
  return [subject, "", ...(body.length > 0 ? [...body, ""] : []), ...lines, ""].join("\n");
}

function splitPair(value: string): [string, string] {
  const space = value.indexOf(" ");
  return space < 0 ? [value, ""] : [value.slice(0, space), value.slice(space + 1).trim()];
}

/** Reads trailers (`[key, value]` pairs as git prints them) back; undefined when the commit is no release record. */
export function parseReleaseTrailers(trailers: ReadonlyArray<readonly [string, string]>): ReleaseTrailers | undefined {
  // One pass over the trailers (the audit trail parses tens of thousands of commits), keys case-insensitive.
  const values = new Map<string, string[]>();
  for (const [k, v] of trailers) {
    const key = k.toLowerCase();
    const list = values.get(key);
    if (list) list.push(v);
    else values.set(key, [v]);
  }
  const get = (key: string): string | undefined => values.get(key.toLowerCase())?.[0];
  const all = (key: string): Array<[string, string]> => (values.get(key.toLowerCase()) ?? []).map(splitPair);
  const action = get(KEY.action) as ReleaseAction | undefined;
  const environment = get(KEY.environment);
  // A sync names no environment: what it deploys is what its files change (readAuditTrail).
  if (!action || !RELEASE_ACTIONS.includes(action) || (!environment && action !== "sync")) return undefined;
  // A service's value of a per-service trailer, the last one given winning (as a Map of the pairs would), without
  // building a Map for the one or two values a commit has.
  const valueFor = (key: string, service: string): string | undefined => {
    const list = values.get(key.toLowerCase()) ?? [];
    for (let i = list.length - 1; i >= 0; i--) {
      const [s, v] = splitPair(list[i] ?? "");
      if (s === service) return v;
    }
    return undefined;
  };
  const services = all(KEY.service).map(([service, image]): ServiceRelease => {
    const s: ServiceRelease = { service, image };
    const p = valueFor(KEY.previousImage, service);
    const c = valueFor(KEY.sourceCommit, service);
    const t = valueFor(KEY.sourceTime, service);
    if (p) s.previousImage = p;
    if (c) s.sourceCommit = c;
    if (t) s.sourceTime = t;
    const g = valueFor(KEY.gates, service);
    if (g && (GATE_VERDICTS as readonly string[]).includes(g)) s.gates = g as GateVerdictName;
    return s;
  });
  const promotedFrom = get(KEY.promotedFrom);
  const cause = get(KEY.cause);
  const breakGlass = get(KEY.breakGlass);
  const flags = all(KEY.flag).map(([key, value]) => ({ key, value }));
  return {
    action,
    environment: environment ?? "",
    ...(promotedFrom ? { promotedFrom } : {}),
    services,
    rollsBack: all(KEY.rollsBack).map(([service, commit]) => ({ service, commit })),
    ...(cause ? { cause } : {}),
    ...(breakGlass ? { breakGlass } : {}),
    ...(flags.length > 0 ? { flags } : {}),
  };
}
