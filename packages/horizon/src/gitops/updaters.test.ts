import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InputError } from "../errors.js";
import { readDeploymentImage, setDeploymentImage } from "./deployment-image.js";
import { parseImageRef, parsePinnedImageRef } from "./image-ref.js";
import { readKustomizeImage, setKustomizeImage } from "./kustomize-image.js";
import { setVersionLabels } from "./version-labels.js";

const fixture = (path: string): string => readFileSync(join(import.meta.dirname, "../../test/fixtures", path), "utf8");
const changedLines = (a: string, b: string): Array<[string, string]> => {
  const x = a.split("\n");
  const y = b.split("\n");
  expect(y).toHaveLength(x.length);
  return x.flatMap((line, i) => (line === y[i] ? [] : [[line, y[i] ?? ""] as [string, string]]));
};

describe("image references", () => {
  it("splits registry ports, tags and digests", () => {
    expect(parseImageRef("localhost:5000/bh/app:1.2")).toEqual({ repository: "localhost:5000/bh/app", tag: "1.2" });
    expect(parseImageRef("localhost:5000/bh/app")).toEqual({ repository: "localhost:5000/bh/app" });
    expect(parseImageRef(`ghcr.io/a/b@sha256:${"a".repeat(64)}`).digest).toBe(`sha256:${"a".repeat(64)}`);
  });
  it("rejects what is not an image", () => {
    expect(() => parsePinnedImageRef("ghcr.io/a/b")).toThrow(/neither a tag nor a digest/);
    expect(() => parseImageRef("Not An Image:tag")).toThrow(InputError);
    expect(() => parseImageRef("a/b:bad tag")).toThrow(/not a valid tag/);
  });
});

describe("kustomize images: updater", () => {
  const source = fixture("manifests-kustomize/environments/production/payment-service/kustomization.yaml");
  const file = "kustomization.yaml";

  it("changes only the newTag line, keeping its trailing comment", () => {
    const after = setKustomizeImage(source, file, "payment-service", parsePinnedImageRef("ghcr.io/blessed-horizon/payment-service:sha-abcdef1"));
    expect(changedLines(source, after)).toEqual([["  newTag: sha-0000000   # keep this comment", "  newTag: sha-abcdef1   # keep this comment"]]);
    expect(readKustomizeImage(after, file, "payment-service")).toBe("ghcr.io/blessed-horizon/payment-service:sha-abcdef1");
  });

  it("quotes a tag YAML would read as a number, and adds newName on a registry move", () => {
    const after = setKustomizeImage(source, file, "payment-service", parsePinnedImageRef("registry.example/bh/payment-service:1234567"));
    expect(after).toContain('  newName: registry.example/bh/payment-service\n  newTag: "1234567"   # keep this comment');
    expect(readKustomizeImage(after, file, "payment-service")).toBe("registry.example/bh/payment-service:1234567");
  });

  it("fills an empty newTag", () => {
    const empty = "images:\n- name: ghcr.io/bh/payment-service\n  newTag:\n";
    const after = setKustomizeImage(empty, file, "payment-service", parsePinnedImageRef("ghcr.io/bh/payment-service:v2"));
    expect(after).toBe("images:\n- name: ghcr.io/bh/payment-service\n  newTag: v2\n");
  });

  it("switches a tag to a digest", () => {
    const digest = `sha256:${"b".repeat(64)}`;
    const after = setKustomizeImage(source, file, "payment-service", parsePinnedImageRef(`ghcr.io/blessed-horizon/payment-service@${digest}`));
    expect(after).not.toContain("newTag");
    expect(readKustomizeImage(after, file, "payment-service")).toBe(`ghcr.io/blessed-horizon/payment-service@${digest}`);
  });

  it("names the file when the service has no images: entry, or the YAML is malformed", () => {
    expect(() => setKustomizeImage(source, file, "trust-service", parsePinnedImageRef("x/trust-service:1"))).toThrow(
      /kustomization.yaml has no images: entry for trust-service/,
    );
    expect(() => readKustomizeImage("images:\n- name: [unclosed\n", "broken.yaml", "x")).toThrow(/broken.yaml is not valid YAML/);
  });
});

describe("plain manifest updater", () => {
  const source = fixture("manifests-plain/environments/production/payment-service/deployment.yaml");
  const file = "deployment.yaml";

  it("changes only the matching container's image, keeping quotes, comments and version labels", () => {
    const after = setDeploymentImage(source, file, parsePinnedImageRef("ghcr.io/blessed-horizon/payment-service:sha-abcdef1"));
    expect(changedLines(source, after)).toEqual([
      [
        '          image: "ghcr.io/blessed-horizon/payment-service:sha-0000000" # set by horizon release',
        '          image: "ghcr.io/blessed-horizon/payment-service:sha-abcdef1" # set by horizon release',
      ],
    ]);
    expect(readDeploymentImage(after, file, "payment-service")).toBe("ghcr.io/blessed-horizon/payment-service:sha-abcdef1");
    expect(after).toContain("image: otel/opentelemetry-collector:0.100.0");
  });

  it("refuses an image no container uses", () => {
    expect(() => setDeploymentImage(source, file, parsePinnedImageRef("ghcr.io/x/other:1"))).toThrow(/no container whose image repository/);
  });
});

describe("version labels", () => {
  it("sets object and pod-template labels but never a label the selector uses", () => {
    const source = fixture("manifests-plain/environments/production/payment-service/deployment.yaml");
    const after = setVersionLabels(source, "deployment.yaml", "1.5.0");
    const changes = changedLines(source, after);
    expect(changes.map(([, b]) => b.trim())).toEqual(['app.kubernetes.io/version: "1.5.0"', 'app.kubernetes.io/version: "1.5.0"']);
    expect(after).toContain('      version: "1.2.0" # selectors are immutable: never rewritten');
  });

  it("sets Kustomize labels pairs that stay out of selectors", () => {
    const source = fixture("manifests-kustomize/environments/production/payment-service/kustomization.yaml");
    const after = setVersionLabels(source, "kustomization.yaml", "1.5.0");
    expect(changedLines(source, after)).toEqual([
      ['    app.kubernetes.io/version: "1.2.0" # moved by promote --version', '    app.kubernetes.io/version: "1.5.0" # moved by promote --version'],
    ]);
  });
});
