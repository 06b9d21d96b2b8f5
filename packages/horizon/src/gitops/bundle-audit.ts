import { historyEntries } from "../core/history.js";
import type { HistoryEntry } from "../core/history.js";
import { findHold, HOLDS_FILE, parseHolds } from "./holds.js";
import { imageOf, listEnvironments, listServices, readServiceManifest } from "./manifests.js";
import { readAuditTrail } from "./release-log.js";
import { readRepoFile } from "./repo.js";

/** The audit trail of the manifests repo with each commit's signature status (`%G?`), newest first. */
export async function auditTrail(root: string): Promise<HistoryEntry[]> {
  const { releases, unmanaged } = await readAuditTrail(root, { signatures: true });
  return historyEntries(releases, unmanaged);
}

/** Commit to `%G?` for every commit of the audit trail. */
export function signatureRecord(entries: readonly HistoryEntry[]): Record<string, string> {
  return Object.fromEntries(entries.map((e) => [e.commit, e.signature]));
}

/** A commit whose signature status differs between the backup's record and the restored history. */
export interface SignatureMismatch {
  commit: string;
  recorded: string | null;
  restored: string | null;
}

export function signatureMismatches(recorded: Readonly<Record<string, string>>, restored: Readonly<Record<string, string>>): SignatureMismatch[] {
  const commits = [...new Set([...Object.keys(recorded), ...Object.keys(restored)])].sort();
  return commits.flatMap((commit) => {
    const [a, b] = [recorded[commit] ?? null, restored[commit] ?? null];
    return a === b ? [] : [{ commit, recorded: a, restored: b }];
  });
}

/** What one environment would run for one service: the image its manifest names, and the deployment that put it there. */
export interface RunningImage {
  environment: string;
  service: string;
  image: string;
  /** The newest record that set this image here (deploy, promote, rollback, sync or a hand edit); null if none. */
  since: { commit: string; at: string; action: string } | null;
  /** The hold on this very image (a rollback replaced it), if any: Argo CD would deploy an image horizon refuses. */
  hold: { reason: string; since: string } | null;
}

/** Every environment's services and the image each would run, from the manifests at `root`, holds read from holds.yaml. */
export function whatRuns(root: string, entries: readonly HistoryEntry[]): RunningImage[] {
  const holds = parseHolds(readRepoFile(root, HOLDS_FILE));
  return listEnvironments(root).flatMap((environment) =>
    listServices(root, environment).map((service): RunningImage => {
      const image = imageOf(readServiceManifest(root, environment, service));
      const last = entries.find((e) => e.environment === environment && e.service === service && e.image === image);
      const hold = findHold(holds, environment, service, image);
      return {
        environment,
        service,
        image,
        since: last ? { commit: last.commit, at: last.at, action: last.action ?? "unmanaged" } : null,
        hold: hold ? { reason: hold.reason, since: hold.since } : null,
      };
    }),
  );
}
