import { readFile } from "node:fs/promises";
import { join, posix } from "node:path";
import { isMap, isScalar, isSeq, parseAllDocuments } from "yaml";
import type { Node } from "yaml";
import { formatImageRef, parseImageRef, repositoryBasename } from "../gitops/image-ref.js";
import type { ImageRef } from "../gitops/image-ref.js";
import { MIGRATE_IMAGE, migrateRepository } from "../gitops/kustomize-image.js";
import { at, isObject, stringMap } from "./cluster-view.js";
import { isYaml, listFiles } from "./files.js";
import { finding } from "./findings.js";
import type { Finding } from "./findings.js";
import type { RenderedTarget } from "./kustomize.js";
import { objectLabel } from "./source-index.js";

/** One tag a workflow pushes, as written there (`${{ github.sha }}`, `latest`), and what it can expand to. */
interface PushedTag {
  /** `.github/workflows/ci.yml:243` */
  where: string;
  template: string;
  pattern: RegExp;
  /** No expression in it: the same tag is pushed again and again (`latest`), so it names no build. */
  moving: boolean;
}

/**
 * GitHub contexts and runner variables that hold a full commit SHA (GitHub
 * docs, "Contexts": github.sha, and the webhook payloads' head_sha/after).
 */
const COMMIT_EXPRESSIONS = /^(?:github\.sha|env\.GITHUB_SHA|GITHUB_SHA|github\.event\.workflow_run\.head_sha|github\.event\.pull_request\.head\.sha|github\.event\.after)$/;
/** `${{ expr }}`, `${VAR}`, `$VAR` */
const EXPRESSION = /\$\{\{\s*([^}]+?)\s*\}\}|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The tag part of a pushed reference as written in a workflow: after the last `:` that follows the last `/`. */
function tagTemplate(reference: string): string | undefined {
  const value = reference.trim().replace(/^["']|["']$/g, "");
  // `${{ steps.meta.outputs.image }}:${{ github.sha }}`: colons inside an expression are no tag separator.
  const outside = value.replace(/\$\{\{[^}]*\}\}/g, (m) => "x".repeat(m.length));
  const colon = outside.lastIndexOf(":");
  return colon > outside.lastIndexOf("/") && colon >= 0 ? value.slice(colon + 1) : undefined;
}

function pushedTag(where: string, template: string): PushedTag {
  let source = "";
  let last = 0;
  let expressions = 0;
  for (const m of template.matchAll(EXPRESSION)) {
    source += escape(template.slice(last, m.index));
    source += COMMIT_EXPRESSIONS.test((m[1] ?? m[2] ?? m[3] ?? "").trim()) ? "[0-9a-f]{40}" : "[A-Za-z0-9_.-]+";
    last = m.index + m[0].length;
    expressions += 1;
  }
  source += escape(template.slice(last));
  return { where, template, pattern: new RegExp(`^${source}$`), moving: expressions === 0 };
}

const lineOfNode = (text: string, node: Node | null | undefined): number =>
  node?.range ? text.slice(0, node.range[0]).split("\n").length : 1;

/**
 * Every image tag the workflows push: the `tags` of docker/build-push-action
 * steps with `push: true`, and the references of `docker push` in `run`
 * scripts (a step may build with `load: true` and push later, as ci.yml does).
 */
export async function pushedTags(root: string): Promise<PushedTag[]> {
  const tags: PushedTag[] = [];
  for (const file of await listFiles(root, ".github/workflows", isYaml)) {
    const text = await readFile(join(root, file), "utf8");
    for (const doc of parseAllDocuments(text)) {
      if (!("contents" in doc)) continue;
      const jobs = isMap(doc.contents) ? doc.contents.get("jobs", true) : undefined;
      for (const job of isMap(jobs) ? jobs.items : []) {
        const steps = isMap(job.value) ? job.value.get("steps", true) : undefined;
        for (const step of isSeq(steps) ? steps.items : []) {
          if (!isMap(step)) continue;
          const uses = step.get("uses");
          const inputs = step.get("with", true);
          if (typeof uses === "string" && uses.startsWith("docker/build-push-action@") && isMap(inputs) && String(inputs.get("push")) === "true") {
            const node = inputs.get("tags", true);
            const value = isScalar(node) ? String(node.value) : "";
            for (const reference of value.split(/[\n,]/).filter((r) => r.trim() !== "")) {
              const template = tagTemplate(reference);
              if (template) tags.push(pushedTag(`${file}:${lineOfNode(text, node)}`, template));
            }
          }
          const run = step.get("run", true);
          if (isScalar(run)) {
            for (const m of String(run.value).matchAll(/docker\s+push\s+("[^"]+"|'[^']+'|\S+)/g)) {
              const template = tagTemplate(m[1] ?? "");
              if (template) tags.push(pushedTag(`${file}:${lineOfNode(text, run)}`, template));
            }
          }
        }
      }
    }
  }
  return tags;
}

const POD_SPECS = [["spec", "template", "spec"], ["spec", "jobTemplate", "spec", "template", "spec"], ["spec"]];

function containerImages(object: Record<string, unknown>): { name: string; image: string }[] {
  return POD_SPECS.flatMap((path) =>
    ["containers", "initContainers"].flatMap((key) => {
      const list = at(object, [...path, key]);
      return (Array.isArray(list) ? list : [])
        .filter(isObject)
        .filter((c): c is { name: string; image: string } => typeof c.image === "string")
        .map((c) => ({ name: String(c.name), image: c.image }));
    }),
  );
}

function refOf(image: string): ImageRef | undefined {
  try {
    return parseImageRef(image);
  } catch {
    return undefined; // the schema check reports an image Kubernetes refuses
  }
}

const serviceLabel = (object: Record<string, unknown>): string | undefined => stringMap(at(object, ["metadata", "labels"]))["blessedhorizon.org/service"];

/** The line of a service overlay to edit: its images: entry for `basename`, else `images:`, else 1. */
async function overlayLine(root: string, file: string, basename: string): Promise<number> {
  const lines = (await readFile(join(root, file), "utf8").catch(() => "")).split("\n");
  const entry = lines.findIndex((l) => /^\s*-?\s*(?:name|newName):/.test(l) && l.trimEnd().endsWith(`/${basename}`));
  if (entry >= 0) return entry + 1;
  return lines.findIndex((l) => l.startsWith("images:")) + 1 || 1;
}

/**
 * The images deploy/ names for what CI builds (every service, db-migrate):
 *
 * - Each tag is one the workflows push (forms derived from
 *   .github/workflows), and not one they move with every push (`latest`):
 *   anything else is an image no workflow produced, and the first sync can
 *   never pull it.
 * - A service's migration Job runs the db-migrate built from the same source
 *   commit as the service's image: CI tags both with the commit. A service
 *   image named by digest alone names no commit (kustomize `images:` with a
 *   digest drops the tag; kustomize api/filters/imagetag/updater.go), and
 *   copying the text after its `:` makes the Job `db-migrate:<digest hex>`.
 */
export async function imageFindings(root: string, deployDir: string, rendered: readonly RenderedTarget[]): Promise<Finding[]> {
  const pushed = await pushedTags(root);
  const accepted = pushed.filter((t) => !t.moving);
  const findings: Finding[] = [];
  for (const target of rendered.filter((t) => t.target.startsWith(posix.join(deployDir, "environments") + "/"))) {
    const deployments = target.objects.filter((o) => o.kind === "Deployment" && serviceLabel(o) !== undefined);
    const built = new Set([MIGRATE_IMAGE, ...deployments.map((d) => serviceLabel(d) ?? "")]);
    const serviceImage = new Map<string, ImageRef>();
    for (const d of deployments) {
      const service = serviceLabel(d) ?? "";
      const own = containerImages(d).map((c) => refOf(c.image)).find((r) => r !== undefined && repositoryBasename(r.repository) === service);
      if (own) serviceImage.set(service, own);
    }
    for (const object of target.objects) {
      const service = serviceLabel(object);
      const overlay = `${target.target}/${service ?? ""}/kustomization.yaml`;
      for (const { image } of containerImages(object)) {
        const ref = refOf(image);
        if (!ref || !built.has(repositoryBasename(ref.repository)) || service === undefined) continue;
        const basename = repositoryBasename(ref.repository);
        const line = await overlayLine(root, overlay, basename);
        if (pushed.length > 0 && ref.tag !== undefined && !accepted.some((t) => t.pattern.test(ref.tag ?? ""))) {
          const moving = pushed.find((t) => t.moving && t.template === ref.tag);
          const forms = [...new Map(accepted.map((t) => [t.template, `${t.template} (${t.where})`])).values()].join(", ");
          findings.push(
            finding(overlay, line, "images", moving
              ? `${objectLabel(object)} runs ${image}: "${ref.tag}" is pushed again by every build (${moving.where}), so it names no commit; use the tag the workflows push per build: ${forms}`
              : `${objectLabel(object)} runs ${image}: no workflow pushes the tag "${ref.tag}" (they push ${forms}), so the image cannot be pulled; name the commit CI built (bootstrap-images.yml pushes a first deploy's)`),
          );
        }
        if (object.kind !== "Job" || basename !== MIGRATE_IMAGE) continue;
        const own = serviceImage.get(service);
        if (!own) continue;
        if (own.tag === undefined) {
          findings.push(finding(overlay, line, "images", `${objectLabel(object)} runs ${image}, but ${service}'s image ${formatImageRef(own)} has no tag, so nothing names the db-migrate of its source commit; give the service image as REPO:<commit>@sha256:...`));
          continue;
        }
        const expected = formatImageRef({ repository: migrateRepository(own.repository), tag: own.tag });
        if (ref.repository !== migrateRepository(own.repository) || ref.tag !== own.tag) {
          findings.push(
            finding(overlay, line, "images", `${objectLabel(object)} runs ${image}, not the db-migrate built from the same commit as ${service}'s image ${formatImageRef(own)}: ${expected}`),
          );
        }
      }
    }
  }
  return findings;
}
