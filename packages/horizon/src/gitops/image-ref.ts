import { InputError } from "../errors.js";

/** A container image reference split the way Kubernetes and Kustomize read it. */
export interface ImageRef {
  /** Registry and path, without tag or digest: `ghcr.io/blessed-horizon/payment-service`. */
  repository: string;
  tag?: string;
  /** `sha256:...` */
  digest?: string;
}

const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-fA-F0-9]{32,}$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const REPOSITORY = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?::[0-9]+)?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/i;

/**
 * Parses `repo[:tag][@digest]`. A colon after the last slash starts the tag,
 * so a registry port (`localhost:5000/app`) is not mistaken for one.
 */
export function parseImageRef(text: string): ImageRef {
  const value = text.trim();
  let rest = value;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw new InputError(`image "${text}": "${digest}" is not a digest like sha256:<hex>`);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw new InputError(`image "${text}": "${tag}" is not a valid tag`);
  }
  if (!REPOSITORY.test(rest)) throw new InputError(`image "${text}" is not an image reference like registry/name:tag`);
  return { repository: rest, ...(tag === undefined ? {} : { tag }), ...(digest === undefined ? {} : { digest }) };
}

/** Like parseImageRef, but a reference must pin a tag or a digest. */
export function parsePinnedImageRef(text: string): ImageRef {
  const ref = parseImageRef(text);
  if (ref.tag === undefined && ref.digest === undefined) {
    throw new InputError(`image "${text}" has neither a tag nor a digest: give REPO:TAG or REPO@sha256:...`);
  }
  return ref;
}

export function formatImageRef(ref: ImageRef): string {
  return `${ref.repository}${ref.tag === undefined ? "" : `:${ref.tag}`}${ref.digest === undefined ? "" : `@${ref.digest}`}`;
}

/** The last path segment of a repository: `payment-service` for `r.io/bh/payment-service`. */
export function repositoryBasename(repository: string): string {
  return repository.slice(repository.lastIndexOf("/") + 1);
}
