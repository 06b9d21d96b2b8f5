import { InputError } from "../errors.js";
import type { ReleaseRecord } from "../gitops/release-log.js";
import type { Deployment } from "./dora.js";
import type { SourceOrigin } from "./release-plan.js";

/** One line of the audit trail: one service changed in one environment by one commit. */
export interface HistoryEntry {
  time: string;
  environment: string;
  action: ReleaseRecord["action"];
  service: string;
  image: string;
  previousImage?: string;
  sourceCommit?: string;
  sourceTime?: string;
  promotedFrom?: string;
  commit: string;
  author: string;
  authorEmail: string;
  signature: string;
  /** The rollback commit that undid this deployment, if any. */
  rolledBackBy?: string;
  /** For a rollback: the deploy commits it undid. */
  rollsBack?: string[];
}

const matchesCommit = (full: string, ref: string): boolean => ref.length >= 4 && full.startsWith(ref.toLowerCase());

/** Rollback records by "environment service", oldest first, so each lookup scans only its own. */
function rollbacksByService(records: readonly ReleaseRecord[]): Map<string, ReleaseRecord[]> {
  const index = new Map<string, ReleaseRecord[]>();
  for (const r of records) {
    if (r.action !== "rollback") continue;
    for (const b of r.rollsBack) {
      const key = `${r.environment} ${b.service}`;
      index.set(key, [...(index.get(key) ?? []), r]);
    }
  }
  return index;
}

/** The audit trail, oldest first; rollbacks are marked on the deployments they undid. */
export function historyEntries(records: readonly ReleaseRecord[]): HistoryEntry[] {
  const rollbacks = rollbacksByService(records);
  // The first rollback that names this deployment.
  const rollbackOf = (r: ReleaseRecord, service: string): ReleaseRecord | undefined =>
    rollbacks.get(`${r.environment} ${service}`)?.find((x) => x.rollsBack.some((b) => b.service === service && matchesCommit(r.commit, b.commit)));
  return records.flatMap((r) =>
    r.services.map((s): HistoryEntry => {
      const undoneBy = r.action === "deploy" || r.action === "promote" ? rollbackOf(r, s.service) : undefined;
      const rollsBack = r.rollsBack.filter((b) => b.service === s.service).map((b) => b.commit);
      return {
        time: r.committedAt,
        environment: r.environment,
        action: r.action,
        service: s.service,
        image: s.image,
        ...(s.previousImage ? { previousImage: s.previousImage } : {}),
        ...(s.sourceCommit ? { sourceCommit: s.sourceCommit } : {}),
        ...(s.sourceTime ? { sourceTime: s.sourceTime } : {}),
        ...(r.promotedFrom ? { promotedFrom: r.promotedFrom } : {}),
        commit: r.commit,
        author: r.author,
        authorEmail: r.authorEmail,
        signature: r.signature,
        ...(undoneBy ? { rolledBackBy: undoneBy.commit } : {}),
        ...(rollsBack.length > 0 ? { rollsBack } : {}),
      };
    }),
  );
}

/** DORA's deployments of one environment: deploy and promote commits, one per service; rollbacks restore and are not deployments. */
export function toDeployments(records: readonly ReleaseRecord[], environment: string): Deployment[] {
  const rollbacks = rollbacksByService(records);
  return records
    .filter((r) => (r.action === "deploy" || r.action === "promote") && r.environment === environment)
    .flatMap((r) =>
      r.services.map((s): Deployment => {
        const undone = (rollbacks.get(`${environment} ${s.service}`) ?? [])
          .filter((x) => x.rollsBack.some((b) => b.service === s.service && matchesCommit(r.commit, b.commit)))
          .map((x) => Date.parse(x.committedAt));
        const sourceTime = s.sourceTime ? Date.parse(s.sourceTime) : Number.NaN;
        return {
          commit: r.commit,
          service: s.service,
          environment,
          deployedAt: Date.parse(r.committedAt),
          ...(Number.isNaN(sourceTime) ? {} : { sourceTime }),
          ...(undone.length > 0 ? { rolledBackAt: Math.min(...undone) } : {}),
        };
      }),
    );
}

/** The source commit and time that came with `image` into `environment` (latest record first). */
export function originOf(records: readonly ReleaseRecord[], environment: string, service: string, image: string): SourceOrigin {
  for (let i = records.length - 1; i >= 0; i--) {
    const r = records[i];
    if (r.environment !== environment) continue;
    const s = r.services.find((x) => x.service === service && x.image === image && (x.sourceCommit || x.sourceTime));
    if (s) return { ...(s.sourceCommit ? { sourceCommit: s.sourceCommit } : {}), ...(s.sourceTime ? { sourceTime: s.sourceTime } : {}) };
  }
  return {};
}

/** `--since`: `90d`, `12w`, `36h`, or an ISO date. Returns the start time. */
export function parseSince(value: string, now: Date): Date {
  const m = /^(\d+)([hdw])$/.exec(value.trim());
  if (m) {
    const hours = { h: 1, d: 24, w: 24 * 7 }[m[2] as "h" | "d" | "w"];
    return new Date(now.getTime() - Number(m[1]) * hours * 3_600_000);
  }
  const ms = /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) throw new InputError(`--since "${value}" is neither a duration like 90d, 12w, 36h nor a date like 2026-01-01`);
  return new Date(ms);
}
