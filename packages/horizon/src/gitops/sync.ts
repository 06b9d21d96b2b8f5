import type { FileEdit } from "../core/release-plan.js";
import { parseImageRef } from "./image-ref.js";
import type { Layout } from "./layout.js";
import { imageOf, withImage } from "./service-manifest.js";
import type { ServiceManifest } from "./service-manifest.js";
import { readVersionLabels, setVersionLabels } from "./version-labels.js";

/**
 * What a sync of `deploy/` into the manifests repo changes (CONTRACTS.md,
 * "Who owns what"): `deploy/` owns every file, except what horizon commands
 * write in the manifests repo — the image of each service in each
 * environment, the version labels promote sets, `holds.yaml`,
 * `promotion-policy.yaml` and the flag files. Those keep the manifests
 * repo's values; `deploy/` only gives their first copy.
 */
interface SyncPlan {
  edits: FileEdit[];
  /** Files the manifests repo has and `deploy/` no longer does. */
  deletions: string[];
}

/** Whole files the manifests repo owns once they exist there. */
function ownedByManifests(path: string): boolean {
  return path === "holds.yaml" || path === "promotion-policy.yaml" || /^environments\/[^/]+\/flags\.flagd\.json$/.test(path);
}

const SERVICE_MANIFEST = /^environments\/([^/]+)\/([^/]+)\/(kustomization|deployment)\.yaml$/;

/** `deploy/`'s text for `path`, with the fields the manifests repo owns taken from `current`. */
function carryOwnedFields(path: string, incoming: string, current: string): string {
  let text = incoming;
  const match = SERVICE_MANIFEST.exec(path);
  if (match) {
    const [, environment = "", service = "", kind] = match;
    const layout: Layout = kind === "kustomization" ? "kustomize" : "plain";
    const manifest = (source: string): ServiceManifest => ({ environment, service, layout, file: path, source });
    const running = imageOf(manifest(current));
    if (imageOf(manifest(text)) !== running) text = withImage(manifest(text), parseImageRef(running));
  }
  if (path.startsWith("environments/")) {
    const [version] = readVersionLabels(current, path);
    if (version !== undefined) text = setVersionLabels(text, path, version);
  }
  return text;
}

/**
 * Plans the sync from the files of `deploy/` and of the manifests repo
 * (repository-relative paths to contents). Pure.
 */
export function planSync(deploy: ReadonlyMap<string, string>, manifests: ReadonlyMap<string, string>): SyncPlan {
  const edits: FileEdit[] = [];
  for (const [path, incoming] of [...deploy].sort(([a], [b]) => a.localeCompare(b))) {
    const current = manifests.get(path);
    if (current === undefined) {
      edits.push({ path, after: incoming });
      continue;
    }
    if (ownedByManifests(path)) continue;
    const after = carryOwnedFields(path, incoming, current);
    if (after !== current) edits.push({ path, before: current, after });
  }
  const deletions = [...manifests.keys()].filter((path) => !deploy.has(path) && !ownedByManifests(path)).sort();
  return { edits, deletions };
}
