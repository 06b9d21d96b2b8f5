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
const RELEASE_ACTIONS = ["deploy", "promote", "rollback", "unhold", "hold", "freeze", "unfreeze", "sync", "flag", "break-glass"] as const;
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

/** The first word of a per-service or per-flag value (`<service> <image>`), and what follows it. */
const firstWord = (value: string): string => {
  const space = value.indexOf(" ");
  return space < 0 ? value : value.slice(0, space);
};
const afterFirstWord = (value: string): string => {
  const space = value.indexOf(" ");
  return space < 0 ? "" : value.slice(space + 1).trim();
};

/** Trailer keys in lower case: the spellings horizon writes map to theirs without a new string per trailer. */
const LOWER_KEYS: ReadonlyMap<string, string> = new Map(Object.values(KEY).map((k) => [k, k.toLowerCase()]));
const lowerKey = (key: string): string => LOWER_KEYS.get(key) ?? key.toLowerCase();

/** The per-service trailers besides Horizon-Service, by their lower-case key. */
const PER_SERVICE = ["horizon-previous-image", "horizon-source-commit", "horizon-source-time", "horizon-gates"] as const;
type PerServiceKey = (typeof PER_SERVICE)[number];
const isPerService = (key: string): key is PerServiceKey => (PER_SERVICE as readonly string[]).includes(key);

/** The per-service trailers of one commit, in order, as parallel lists (no object per trailer). */
interface PerServiceTrailers {
  keys: PerServiceKey[];
  services: string[];
  values: string[];
}

/**
 * The value of one service's per-service trailer: the last one given for that service wins (as a Map of the pairs
 * would), an empty value counting as none.
 */
function serviceValue(given: PerServiceTrailers, key: PerServiceKey, service: string): string | undefined {
  for (let i = given.keys.length - 1; i >= 0; i--) if (given.keys[i] === key && given.services[i] === service) return given.values[i] || undefined;
  return undefined;
}

/**
 * Reads trailers (`[key, value]` pairs as git prints them) back; undefined when the commit is no release record.
 * Keys are case-insensitive; a single-valued trailer's first value counts. One pass over the pairs and no
 * intermediate maps: the audit trail parses tens of thousands of commits.
 */
export function parseReleaseTrailers(trailers: ReadonlyArray<readonly [string, string]>): ReleaseTrailers | undefined {
  let action: string | undefined;
  let environment: string | undefined;
  let promotedFrom: string | undefined;
  let cause: string | undefined;
  let breakGlass: string | undefined;
  const services: ServiceRelease[] = [];
  let perService: PerServiceTrailers | undefined;
  const rollsBack: Array<{ service: string; commit: string }> = [];
  let flags: FlagChange[] | undefined;
  // Indexed loops, no destructuring: this runs before the JIT has warmed up, where iterators cost.
  for (let i = 0; i < trailers.length; i++) {
    const key = lowerKey(trailers[i][0]);
    const v = trailers[i][1];
    if (isPerService(key)) {
      perService ??= { keys: [], services: [], values: [] };
      perService.keys.push(key);
      perService.services.push(firstWord(v));
      perService.values.push(afterFirstWord(v));
      continue;
    }
    switch (key) {
      case "horizon-action":
        action ??= v;
        break;
      case "horizon-environment":
        environment ??= v;
        break;
      case "horizon-promoted-from":
        promotedFrom ??= v;
        break;
      case "horizon-cause":
        cause ??= v;
        break;
      case "horizon-break-glass":
        breakGlass ??= v;
        break;
      case "horizon-service":
        services.push({ service: firstWord(v), image: afterFirstWord(v) });
        break;
      case "horizon-rolls-back":
        rollsBack.push({ service: firstWord(v), commit: afterFirstWord(v) });
        break;
      case "horizon-flag":
        (flags ??= []).push({ key: firstWord(v), value: afterFirstWord(v) });
        break;
    }
  }
  // A sync names no environment: what it deploys is what its files change (readAuditTrail).
  if (!action || !(RELEASE_ACTIONS as readonly string[]).includes(action) || (!environment && action !== "sync")) return undefined;
  const given = perService;
  if (given) {
    for (const s of services) {
      const previousImage = serviceValue(given, "horizon-previous-image", s.service);
      const sourceCommit = serviceValue(given, "horizon-source-commit", s.service);
      const sourceTime = serviceValue(given, "horizon-source-time", s.service);
      const gates = serviceValue(given, "horizon-gates", s.service);
      if (previousImage) s.previousImage = previousImage;
      if (sourceCommit) s.sourceCommit = sourceCommit;
      if (sourceTime) s.sourceTime = sourceTime;
      if (gates && (GATE_VERDICTS as readonly string[]).includes(gates)) s.gates = gates as GateVerdictName;
    }
  }
  return {
    action: action as ReleaseAction,
    environment: environment ?? "",
    ...(promotedFrom ? { promotedFrom } : {}),
    services,
    rollsBack,
    ...(cause ? { cause } : {}),
    ...(breakGlass ? { breakGlass } : {}),
    ...(flags ? { flags } : {}),
  };
}
