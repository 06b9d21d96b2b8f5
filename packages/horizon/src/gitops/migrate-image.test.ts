import { describe, expect, it } from "vitest";
import { InputError } from "../errors.js";
import { setDeploymentImage } from "./deployment-image.js";
import { parseImageRef } from "./image-ref.js";
import { setKustomizeImage } from "./kustomize-image.js";

// Issue 12, 4c: whatever sets a service's image sets its migration Job's db-migrate to the one built
// from the same commit: CI (.github/workflows/ci.yml) pushes <registry>/blessed-horizon/<service>:<sha>
// and <registry>/blessed-horizon/db-migrate:<sha> from each commit.
const OVERLAY = `images:
  # the service
  - name: r.example/bh/payment-service
    newTag: "1111111111111111111111111111111111111111"
  # its migration Job
  - name: r.example/bh/db-migrate
    newTag: "1111111111111111111111111111111111111111"
`;
const COMMIT = "2222222222222222222222222222222222222222";
const DIGEST = `sha256:${"e".repeat(64)}`;

describe("setKustomizeImage and the db-migrate entry", () => {
  it("a tag: both entries get it, nothing else changes", () => {
    expect(setKustomizeImage(OVERLAY, "k.yaml", "payment-service", parseImageRef(`r.example/bh/payment-service:${COMMIT}`))).toBe(OVERLAY.replaceAll("1111111111111111111111111111111111111111", COMMIT));
  });

  it("a tag and a digest: the service pins the digest, db-migrate takes the tag", () => {
    const after = setKustomizeImage(OVERLAY, "k.yaml", "payment-service", parseImageRef(`r.example/bh/payment-service:${COMMIT}@${DIGEST}`));
    expect(after).toBe(`images:
  # the service
  - name: r.example/bh/payment-service
    newTag: "${COMMIT}"
    digest: ${DIGEST}
  # its migration Job
  - name: r.example/bh/db-migrate
    newTag: "${COMMIT}"
`);
  });

  it("a registry move: db-migrate moves beside the service", () => {
    const after = setKustomizeImage(OVERLAY, "k.yaml", "payment-service", parseImageRef(`other.example/team/payment-service:${COMMIT}`));
    expect(after).toContain(`- name: r.example/bh/db-migrate\n    newName: other.example/team/db-migrate\n    newTag: "${COMMIT}"`);
  });

  it("a digest alone names no db-migrate: InputError, naming the file", () => {
    expect(() => setKustomizeImage(OVERLAY, "k.yaml", "payment-service", parseImageRef(`r.example/bh/payment-service@${DIGEST}`))).toThrow(InputError);
    expect(() => setKustomizeImage(OVERLAY, "k.yaml", "payment-service", parseImageRef(`r.example/bh/payment-service@${DIGEST}`))).toThrow(/^k\.yaml: .* has no tag/);
  });

  it("an overlay without a db-migrate entry: only the service changes, digests included", () => {
    const only = "images:\n  - name: r.example/bh/payment-service\n    newTag: old\n";
    expect(setKustomizeImage(only, "k.yaml", "payment-service", parseImageRef(`r.example/bh/payment-service@${DIGEST}`))).toBe(
      `images:\n  - name: r.example/bh/payment-service\n    digest: ${DIGEST}\n`,
    );
  });
});

describe("setDeploymentImage and a migration Job in the same file (plain layout)", () => {
  const PLAIN = `apiVersion: apps/v1
kind: Deployment
spec:
  template:
    spec:
      containers:
        - name: app
          image: r.example/bh/payment-service:old
---
apiVersion: batch/v1
kind: Job
spec:
  template:
    spec:
      containers:
        - name: migrate
          image: r.example/bh/db-migrate:old
`;
  it("sets the Job's db-migrate to the service image's tag", () => {
    expect(setDeploymentImage(PLAIN, "d.yaml", parseImageRef(`r.example/bh/payment-service:${COMMIT}@${DIGEST}`))).toBe(
      PLAIN.replace("payment-service:old", `payment-service:${COMMIT}@${DIGEST}`).replace("db-migrate:old", `db-migrate:${COMMIT}`),
    );
  });

  it("refuses a digest alone", () => {
    expect(() => setDeploymentImage(PLAIN, "d.yaml", parseImageRef(`r.example/bh/payment-service@${DIGEST}`))).toThrow(/has no tag/);
  });
});
