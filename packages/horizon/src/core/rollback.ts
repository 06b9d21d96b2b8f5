import { CheckFailedError, InputError } from "../errors.js";
import { addHold, findHold, HOLDS_FILE, parseHolds, removeHolds } from "../gitops/holds.js";
import { parsePinnedImageRef } from "../gitops/image-ref.js";
import { imageOf, withImage } from "../gitops/service-manifest.js";
import type { ServiceManifest } from "../gitops/service-manifest.js";
import { formatReleaseMessage } from "../gitops/trailers.js";
import type { ReleaseTrailers, ServiceRelease } from "../gitops/trailers.js";
import { setVersionLabels } from "../gitops/version-labels.js";
import type { ServiceFile } from "../gitops/version-labels.js";
import type { FileEdit, ReleasePlan } from "./release-plan.js";

export interface RollbackTarget {
  manifest: ServiceManifest;
  /** The image to go back to. */
  restoreImage: string;
  /** The deploy commits this rollback undoes (recorded, and counted as failed deployments by DORA). */
  rollsBack: readonly string[];
  /**
   * The service folder's YAML files as they are now, each with the version
   * label it had when `restoreImage` was deployed (none: the labels stay), so
   * the restored pod template is the one that ran before.
   */
  files?: ReadonlyArray<ServiceFile & { version?: string | undefined }>;
}

interface RollbackInput {
  environment: string;
  targets: readonly RollbackTarget[];
  /** holds.yaml as it is now; undefined when there is none yet. */
  holdsSource: string | undefined;
  now: Date;
  /** `--to COMMIT`, for the message. */
  toCommit?: string;
  /** `--manifests` as the user gave it, for the unhold hint. */
  manifestsDir: string;
  /** Why (`Horizon-Cause`): canary-failed, manual, incident <id>; see `parseRollbackCause`. */
  cause: string;
}

const INCIDENT = /^incident ([A-Za-z0-9][A-Za-z0-9._:/#-]*)$/;

/**
 * `--cause` as the `Horizon-Cause` trailer takes it (CONTRACTS.md): `canary-failed`
 * (the automated rollback after Flagger failed a canary), `manual`, or
 * `incident <id>`. Exit 2 naming the value otherwise: a trailer is one line, and
 * history and DORA read these three forms only.
 */
export function parseRollbackCause(value: string): string {
  const cause = value.trim().replace(/\s+/g, " ");
  if (cause === "canary-failed" || cause === "manual" || INCIDENT.test(cause)) return cause;
  throw new InputError(`--cause ${JSON.stringify(value)}: must be canary-failed, manual or "incident <id>" (an id of letters, digits and . _ : / # -)`);
}

/** A rollback never restores a held image (CONTRACTS: holds are absolute): exit 1, naming the hold and how to lift it. */
function assertRestorable(input: RollbackInput, service: string, image: string): void {
  const hold = findHold(parseHolds(input.holdsSource), input.environment, service, image);
  if (!hold) return;
  const why = [hold.reason, hold.since && `since ${hold.since}`].filter(Boolean).join(", ");
  throw new CheckFailedError(
    `cannot roll back ${service} in ${input.environment}${input.toCommit ? ` to ${input.toCommit.slice(0, 12)}` : ""}: ` +
      `${image} is on hold${why ? ` (${why})` : ""}; choose another commit, or lift the hold with: ` +
      `horizon release unhold --manifests ${input.manifestsDir} --env ${input.environment} --service ${service} --image ${image}`,
  );
}

/** The target's files with the restored image and the version labels that went with it; only those that change. */
function restoredFiles(t: RollbackTarget, manifestAfter: string): FileEdit[] {
  const files = t.files ?? [];
  const edits: FileEdit[] = [{ path: t.manifest.file, before: t.manifest.source, after: manifestAfter }];
  for (const f of files) if (f.path !== t.manifest.file) edits.push({ path: f.path, before: f.source, after: f.source });
  for (const edit of edits) {
    const version = files.find((f) => f.path === edit.path)?.version;
    if (version !== undefined) edit.after = setVersionLabels(edit.after, edit.path, version);
  }
  return edits.filter((e) => e.after !== e.before);
}

/**
 * A forward commit that restores earlier images and their version labels
 * (Argo CD's automated sync stays on and applies it) and puts each image it
 * removes on hold, so the next CI run cannot deploy it again. Refuses to restore a held image, so
 * holds.yaml never holds what runs after the commit. Undefined when nothing
 * differs.
 */
export function planRollback(input: RollbackInput): ReleasePlan | undefined {
  const edits: FileEdit[] = [];
  const services: ServiceRelease[] = [];
  const rollsBack: ReleaseTrailers["rollsBack"] = [];
  let holds = input.holdsSource;
  for (const t of input.targets) {
    const current = imageOf(t.manifest);
    const restore = parsePinnedImageRef(t.restoreImage);
    if (current === t.restoreImage) continue;
    assertRestorable(input, t.manifest.service, t.restoreImage);
    edits.push(...restoredFiles(t, withImage(t.manifest, restore)));
    services.push({ service: t.manifest.service, image: t.restoreImage, previousImage: current });
    rollsBack.push(...t.rollsBack.map((commit) => ({ service: t.manifest.service, commit })));
    const undone = t.rollsBack.map((c) => c.slice(0, 12)).join(", ");
    holds = addHold(holds, {
      environment: input.environment,
      service: t.manifest.service,
      image: current,
      reason: `rolled back to ${t.restoreImage}${undone ? ` (undoes ${undone})` : ""}`,
      since: input.now.toISOString(),
    });
  }
  if (services.length === 0) return undefined;
  if (holds !== undefined && holds !== input.holdsSource) {
    edits.push({ path: HOLDS_FILE, ...(input.holdsSource === undefined ? {} : { before: input.holdsSource }), after: holds });
  }
  const release: ReleaseTrailers = { action: "rollback", environment: input.environment, services, rollsBack, cause: parseRollbackCause(input.cause) };
  const what = input.toCommit ? `to ${input.toCommit.slice(0, 12)}` : services.map((s) => `${s.service} to ${s.image}`).join(", ");
  const body = [
    ...services.map((s) => `${s.service}: ${s.previousImage ?? "?"} -> ${s.image} (${s.previousImage ?? "?"} is now on hold)`),
    `Lift a hold with: horizon release unhold --env ${input.environment} --service <name>`,
  ];
  return { edits, message: formatReleaseMessage(`rollback(${input.environment}): ${what}`, body, release), release };
}

interface UnholdInput {
  environment: string;
  service: string;
  image?: string;
  holdsSource: string | undefined;
}

/** Lifts the holds on a service in an environment (all of them, or the one on `image`). Exit 2 when there is none. */
export function planUnhold(input: UnholdInput): ReleasePlan {
  const matches = (h: { environment: string; service: string; image: string }): boolean =>
    h.environment === input.environment && h.service === input.service && (input.image === undefined || h.image === input.image);
  const { text, removed } = removeHolds(input.holdsSource, matches);
  if (removed.length === 0) {
    const held = parseHolds(input.holdsSource).filter((h) => h.environment === input.environment && h.service === input.service);
    throw new InputError(
      `no hold on ${input.image ?? "any image"} for ${input.service} in ${input.environment}` +
        (held.length > 0 ? ` (held: ${held.map((h) => h.image).join(", ")})` : ""),
    );
  }
  const release: ReleaseTrailers = {
    action: "unhold",
    environment: input.environment,
    services: removed.map((h) => ({ service: h.service, image: h.image })),
    rollsBack: [],
  };
  return {
    edits: [{ path: HOLDS_FILE, ...(input.holdsSource === undefined ? {} : { before: input.holdsSource }), after: text }],
    message: formatReleaseMessage(`unhold(${input.environment}): ${input.service} ${removed.map((h) => h.image).join(", ")}`, [], release),
    release,
  };
}
