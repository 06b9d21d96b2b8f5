import type { Scalar, YAMLMap } from "yaml";
import { InputError } from "../errors.js";
import { formatImageRef, parseImageRef, repositoryBasename } from "./image-ref.js";
import type { ImageRef } from "./image-ref.js";
import { MIGRATE_IMAGE, migrateImageFor } from "./kustomize-image.js";
import { applySplices, getString, mapsAt, parseYamlDocuments, replaceScalar } from "./yaml-source.js";

const POD_SPECS = [
  ["spec", "template", "spec"], // Deployment, StatefulSet, DaemonSet, Job, Rollout
  ["spec", "jobTemplate", "spec", "template", "spec"], // CronJob
  ["spec"], // Pod
];

/** Every container and init container of every workload in a (multi-document) manifest file. */
function containers(source: string, file: string): YAMLMap[] {
  return parseYamlDocuments(source, file).flatMap((doc) =>
    POD_SPECS.flatMap((path) => [
      ...mapsAt(doc.contents, [...path, "containers", "*"]),
      ...mapsAt(doc.contents, [...path, "initContainers", "*"]),
    ]),
  );
}

function repositoryOf(container: YAMLMap): string | undefined {
  const image = getString(container, "image");
  if (image === undefined) return undefined;
  try {
    return parseImageRef(image).repository;
  } catch {
    return undefined;
  }
}

/** The image of `service`'s container in plain manifests (image basename = service, else container name = service). */
export function readDeploymentImage(source: string, file: string, service: string): string {
  const all = containers(source, file);
  const found =
    all.find((c) => repositoryBasename(repositoryOf(c) ?? "") === service) ?? all.find((c) => getString(c, "name") === service);
  const image = found && getString(found, "image");
  if (image === undefined) throw new InputError(`${file} has no container for ${service} (no image ending in /${service}, no container named ${service})`);
  return image;
}

/**
 * Sets the image of the containers whose image repository is `image`'s
 * (or, when none is, whose repository has the same last segment: a registry
 * move). Other containers, labels and selectors stay as they were.
 */
export function setDeploymentImage(source: string, file: string, image: ImageRef): string {
  const all = containers(source, file);
  let targets = all.filter((c) => repositoryOf(c) === image.repository);
  if (targets.length === 0) targets = all.filter((c) => repositoryBasename(repositoryOf(c) ?? "") === repositoryBasename(image.repository));
  if (targets.length === 0) throw new InputError(`${file} has no container whose image repository is ${image.repository}`);
  const set = (containers: YAMLMap[], ref: ImageRef) =>
    containers.filter((c) => getString(c, "image") !== formatImageRef(ref)).map((c) => replaceScalar(c.get("image", true) as Scalar, formatImageRef(ref)));
  // A migration Job in the same file runs the db-migrate of the service image's source commit.
  const migrations = all.filter((c) => repositoryBasename(repositoryOf(c) ?? "") === MIGRATE_IMAGE);
  const splices = [...set(targets, image), ...(migrations.length > 0 ? set(migrations, migrateImageFor(image, file)) : [])];
  return applySplices(source, splices);
}
