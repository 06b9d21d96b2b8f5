import { CheckFailedError, InputError } from "../errors.js";
import type { Hold } from "../gitops/holds.js";
import { findHold } from "../gitops/holds.js";
import { formatImageRef, parsePinnedImageRef } from "../gitops/image-ref.js";
import { imageOf, withImage } from "../gitops/service-manifest.js";
import type { ServiceManifest } from "../gitops/service-manifest.js";
import { formatReleaseMessage } from "../gitops/trailers.js";
import type { GateVerdictName, ReleaseTrailers } from "../gitops/trailers.js";

/** One file a plan writes: `before` undefined means the file is new. */
export interface FileEdit {
  path: string;
  before?: string;
  after: string;
}

/** What a release command will do: the edits and the commit that records them. `--dry-run` prints it. */
export interface ReleasePlan {
  edits: FileEdit[];
  message: string;
  release: ReleaseTrailers;
}

/** Where an application commit came from (lead time starts at `time`), and the pipeline's gate verdict on its image. */
export interface SourceOrigin {
  sourceCommit?: string;
  sourceTime?: string;
  gates?: GateVerdictName;
}

/** A held image may not be deployed: exit 1, saying why and how to lift the hold. */
export function assertNotHeld(holds: readonly Hold[], environment: string, service: string, image: string, manifestsDir: string): void {
  const hold = findHold(holds, environment, service, image);
  if (!hold) return;
  throw new CheckFailedError(
    `${image} is on hold for ${service} in ${environment}${hold.reason ? ` (${hold.reason}` : " ("}${hold.since ? `, since ${hold.since})` : ")"}; ` +
      `deploy another image, or lift the hold with: horizon release unhold --manifests ${manifestsDir} --env ${environment} --service ${service} --image ${image}`,
  );
}

/** Validates `--source-sha` and `--source-time`; the time is stored in UTC ISO 8601. */
export function parseSourceOrigin(sourceCommit: string | undefined, sourceTime: string | undefined): SourceOrigin {
  const origin: SourceOrigin = {};
  if (sourceCommit !== undefined) {
    if (!/^[0-9a-f]{7,64}$/i.test(sourceCommit)) throw new InputError(`--source-sha "${sourceCommit}" is not a commit SHA (7 to 64 hex digits)`);
    origin.sourceCommit = sourceCommit.toLowerCase();
  }
  if (sourceTime !== undefined) {
    const ms = /^\d{4}-\d{2}-\d{2}T/.test(sourceTime) ? Date.parse(sourceTime) : Number.NaN;
    if (Number.isNaN(ms)) throw new InputError(`--source-time "${sourceTime}" is not an ISO 8601 time like 2026-01-31T12:00:00Z`);
    origin.sourceTime = new Date(ms).toISOString();
  }
  return origin;
}

interface SetImageInput {
  manifest: ServiceManifest;
  image: string;
  holds: readonly Hold[];
  origin: SourceOrigin;
  manifestsDir: string;
}

/** The plan that points one service of one environment at `image`; undefined when it already runs that image. */
export function planSetImage(input: SetImageInput): ReleasePlan | undefined {
  const { manifest, origin } = input;
  const ref = parsePinnedImageRef(input.image);
  const image = formatImageRef(ref);
  const previousImage = imageOf(manifest);
  if (previousImage === image) return undefined;
  assertNotHeld(input.holds, manifest.environment, manifest.service, image, input.manifestsDir);
  const after = withImage(manifest, ref);
  if (after === manifest.source) return undefined;
  const release: ReleaseTrailers = {
    action: "deploy",
    environment: manifest.environment,
    services: [{ service: manifest.service, image, previousImage, ...origin }],
    rollsBack: [],
  };
  const tag = ref.tag ?? ref.digest ?? image;
  return {
    edits: [{ path: manifest.file, before: manifest.source, after }],
    message: formatReleaseMessage(`deploy(${manifest.environment}): ${manifest.service} ${tag}`, [`${previousImage} -> ${image}`], release),
    release,
  };
}

/** Human-readable plan, for `--dry-run`. */
export function describePlan(plan: ReleasePlan): string {
  const files = plan.edits.map((e) => `  ${e.before === undefined ? "create" : "edit  "} ${e.path}`);
  return [`files:`, ...files, `commit message:`, ...plan.message.trimEnd().split("\n").map((l) => `  | ${l}`)].join("\n");
}
