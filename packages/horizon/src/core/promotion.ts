import { InputError } from "../errors.js";
import type { Hold } from "../gitops/holds.js";
import { parsePinnedImageRef } from "../gitops/image-ref.js";
import { imageOf, withImage } from "../gitops/service-manifest.js";
import type { ServiceManifest } from "../gitops/service-manifest.js";
import { formatReleaseMessage } from "../gitops/trailers.js";
import type { ReleaseTrailers, ServiceRelease } from "../gitops/trailers.js";
import { setVersionLabels } from "../gitops/version-labels.js";
import { labelValueProblem } from "./label-syntax.js";
import { assertNotHeld } from "./release-plan.js";
import type { FileEdit, ReleasePlan, SourceOrigin } from "./release-plan.js";

export interface PromotedService {
  service: string;
  source: ServiceManifest;
  target: ServiceManifest;
  /** The target service folder's other YAML files (patches, ...): only their version labels may change. */
  targetFiles: ReadonlyArray<{ path: string; source: string }>;
  /** Source commit and time that came with the source environment's image, so lead time survives promotion. */
  origin: SourceOrigin;
}

/** `--version` becomes label values: exit 2 unless Kubernetes accepts it as one (an empty version labels nothing useful). */
export function assertVersionLabel(version: string): void {
  const problem = version === "" ? "it is empty" : labelValueProblem(version);
  if (problem) throw new InputError(`--version "${version}": ${problem}`);
}

interface PromotionInput {
  from: string;
  to: string;
  services: readonly PromotedService[];
  holds: readonly Hold[];
  version?: string;
  manifestsDir: string;
}

/**
 * Carries image references (and, with a version, the existing version labels
 * of the services whose image changes) from one environment to the next.
 * Replicas, resources, hosts and patches of the target stay: only the image
 * entry and version label values change. Undefined when every image already
 * matches.
 */
export function planPromotion(input: PromotionInput): ReleasePlan | undefined {
  // Checked here too, so no caller can commit a label the API server refuses.
  if (input.version !== undefined) assertVersionLabel(input.version);
  const edits: FileEdit[] = [];
  const services: ServiceRelease[] = [];
  const relabelled: string[] = [];
  for (const s of input.services) {
    const image = imageOf(s.source);
    const previousImage = imageOf(s.target);
    // A service whose image stays keeps its pod template as it is: a rewritten
    // version label alone would make Flagger run a canary analysis of it.
    if (image === previousImage) continue;
    assertNotHeld(input.holds, input.to, s.service, image, input.manifestsDir);
    services.push({ service: s.service, image, previousImage, ...s.origin });
    const files = [{ path: s.target.file, before: s.target.source, after: withImage(s.target, parsePinnedImageRef(image)) }];
    for (const f of s.targetFiles) if (f.path !== s.target.file) files.push({ path: f.path, before: f.source, after: f.source });
    let labelsChanged = false;
    for (const f of files) {
      if (input.version !== undefined) {
        const labelled = setVersionLabels(f.after, f.path, input.version);
        labelsChanged ||= labelled !== f.after;
        f.after = labelled;
      }
      if (f.after !== f.before) edits.push(f);
    }
    if (labelsChanged) relabelled.push(s.service);
  }
  if (edits.length === 0) return undefined;
  const release: ReleaseTrailers = { action: "promote", environment: input.to, promotedFrom: input.from, services, rollsBack: [] };
  const names = services.map((s) => s.service).join(", ");
  const subject = `promote(${input.from} -> ${input.to}): ${input.version ? `${input.version} ` : ""}${names}`;
  const body = [
    ...services.map((s) => `${s.service}: ${s.previousImage ?? "?"} -> ${s.image}`),
    ...(relabelled.length > 0 ? [`version labels set to ${input.version ?? ""}: ${relabelled.join(", ")}`] : []),
  ];
  return { edits, message: formatReleaseMessage(subject, body, release), release };
}
