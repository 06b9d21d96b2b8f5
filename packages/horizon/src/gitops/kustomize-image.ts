import { isMap, isScalar } from "yaml";
import type { YAMLMap } from "yaml";
import { InputError } from "../errors.js";
import { formatImageRef, repositoryBasename } from "./image-ref.js";
import type { ImageRef } from "./image-ref.js";
import { applySplices, findPair, getString, insertPairAfter, parseYamlDocuments, removePairLine, replaceScalar } from "./yaml-source.js";
import type { Splice } from "./yaml-source.js";

/** The image of every service's migration Job (docker/db-migrate). */
export const MIGRATE_IMAGE = "db-migrate";

function imageEntries(source: string, file: string): YAMLMap[] {
  const [doc] = parseYamlDocuments(source, file);
  const images = doc && isMap(doc.contents) ? doc.contents.get("images", true) : undefined;
  return images && "items" in images && Array.isArray(images.items) ? images.items.filter(isMap) : [];
}

const entryNamed = (entries: readonly YAMLMap[], wanted: ReadonlySet<string>): YAMLMap | undefined =>
  entries.find((entry) => [getString(entry, "newName"), getString(entry, "name")].some((n) => n !== undefined && wanted.has(repositoryBasename(n))));

/**
 * The `images:` entry of a kustomization.yaml that belongs to `service`: the
 * one whose `newName` or `name` ends in `/<service>` (or in the basename of
 * `repository`, when one is given).
 */
function findImageEntry(source: string, file: string, service: string, repository?: string): YAMLMap {
  const found = entryNamed(imageEntries(source, file), new Set([service, ...(repository ? [repositoryBasename(repository)] : [])]));
  if (!found) throw new InputError(`${file} has no images: entry for ${service} (looked for a name or newName ending in /${service})`);
  return found;
}

/** The image a Kustomize overlay deploys for `service`, as `repo:tag` / `repo@digest`. */
export function readKustomizeImage(source: string, file: string, service: string): string {
  const entry = findImageEntry(source, file, service);
  const repository = getString(entry, "newName") ?? getString(entry, "name") ?? "";
  const tag = getString(entry, "newTag");
  const digest = getString(entry, "digest");
  return formatImageRef({ repository, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}) });
}

/**
 * Points the overlay's image entry for `service` at `image`: sets `newName`
 * (only when the repository differs from `name`), `newTag` or `digest`.
 * Nothing else in the file changes.
 */
export function setKustomizeImage(source: string, file: string, service: string, image: ImageRef): string {
  const withService = setEntry(source, file, findImageEntry(source, file, service, image.repository), service, image);
  const migrate = entryNamed(imageEntries(withService, file), new Set([MIGRATE_IMAGE]));
  if (!migrate) return withService;
  return setEntry(withService, file, migrate, MIGRATE_IMAGE, migrateImageFor(image, file));
}

/**
 * The db-migrate image built from the same source commit as `image`: CI
 * builds both from one commit, pushes them to sibling repositories and tags
 * both with the commit (.github/workflows/ci.yml). By the tag, then: a
 * digest names the service image's content, never db-migrate's, so a
 * reference without a tag cannot name its db-migrate.
 */
export function migrateImageFor(image: ImageRef, file: string): ImageRef {
  if (image.tag === undefined) {
    throw new InputError(
      `${file}: ${formatImageRef(image)} has no tag, so nothing names the db-migrate image of its source commit for the migration Job; ` +
        "give the image as REPO:<source commit>@sha256:... (CI tags every image with its commit), or pass --source-sha",
    );
  }
  return { repository: migrateRepository(image.repository), tag: image.tag };
}

/** `r.io/bh/db-migrate` for `r.io/bh/payment-service`: CI pushes db-migrate beside the service images. */
export const migrateRepository = (serviceRepository: string): string =>
  `${serviceRepository.includes("/") ? serviceRepository.slice(0, serviceRepository.lastIndexOf("/") + 1) : ""}${MIGRATE_IMAGE}`;

function setEntry(source: string, file: string, entry: YAMLMap, service: string, image: ImageRef): string {
  const splices: Splice[] = [];
  const namePair = findPair(entry, "name");
  if (!namePair) throw new InputError(`${file}: the images: entry for ${service} has no name`);
  let last = namePair;
  const setOrAdd = (key: string, value: string | undefined): void => {
    const pair = findPair(entry, key);
    if (value === undefined) {
      if (pair) splices.push(removePairLine(source, entry, pair));
      return;
    }
    if (pair && getString(entry, key) === value) {
      last = pair;
      return;
    }
    if (pair && isScalar(pair.value)) {
      splices.push(replaceScalar(pair.value, value));
      last = pair;
    } else {
      splices.push(insertPairAfter(source, entry, last, key, value));
    }
  };
  const newNamePair = findPair(entry, "newName");
  if (newNamePair || getString(entry, "name") !== image.repository) setOrAdd("newName", image.repository);
  setOrAdd("newTag", image.tag);
  setOrAdd("digest", image.digest);
  return applySplices(source, splices);
}
