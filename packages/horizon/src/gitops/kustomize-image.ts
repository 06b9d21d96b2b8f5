import { isMap, isScalar } from "yaml";
import type { YAMLMap } from "yaml";
import { InputError } from "../errors.js";
import { formatImageRef, repositoryBasename } from "./image-ref.js";
import type { ImageRef } from "./image-ref.js";
import { applySplices, findPair, getString, insertPairAfter, parseYamlDocuments, removePairLine, replaceScalar } from "./yaml-source.js";
import type { Splice } from "./yaml-source.js";

/**
 * The `images:` entry of a kustomization.yaml that belongs to `service`: the
 * one whose `newName` or `name` ends in `/<service>` (or in the basename of
 * `repository`, when one is given).
 */
function findImageEntry(source: string, file: string, service: string, repository?: string): YAMLMap {
  const [doc] = parseYamlDocuments(source, file);
  const images = doc && isMap(doc.contents) ? doc.contents.get("images", true) : undefined;
  const entries = images && "items" in images && Array.isArray(images.items) ? images.items.filter(isMap) : [];
  const wanted = new Set([service, ...(repository ? [repositoryBasename(repository)] : [])]);
  const matches = (entry: YAMLMap): boolean =>
    [getString(entry, "newName"), getString(entry, "name")].some((n) => n !== undefined && wanted.has(repositoryBasename(n)));
  const found = entries.find(matches);
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
  const entry = findImageEntry(source, file, service, image.repository);
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
