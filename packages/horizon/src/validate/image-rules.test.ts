import { cp, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setKustomizeImage } from "../gitops/kustomize-image.js";
import { formatFinding } from "./findings.js";
import { pushedTags } from "./image-rules.js";
import { validateRepository } from "./index.js";
import { findExecutable } from "../io/process.js";

// Issue 12, 4b and 4c: the images deploy/ names are ones the workflows really push, and each
// migration Job runs the db-migrate of its service image's source commit.
// fixtures/deploy-before is deploy/ as it was on 2026-12-01, before issue 12.
const repoRoot = resolve(import.meta.dirname, "../../../..");
const before = join(import.meta.dirname, "fixtures/deploy-before");
const kubectl = await findExecutable("kubectl");
const SERVICES = ["campaign-service", "payment-service", "notification-service", "trust-service"];
const ENVIRONMENTS = ["development", "staging", "production"];
const REGISTRY = "123456789012.dkr.ecr.us-east-1.amazonaws.com/blessed-horizon";
const DIGEST = `sha256:${"ab".repeat(32)}`;

/** deploy/ (or the fixture) with this repository's workflows and schemas, in a temporary folder. */
async function copyOf(deploy: string, workflows = true): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "horizon-images-"));
  await cp(deploy, join(dir, "deploy"), { recursive: true });
  await cp(join(repoRoot, "deploy/schemas"), join(dir, "deploy/schemas"), { recursive: true });
  if (workflows) await cp(join(repoRoot, ".github/workflows"), join(dir, ".github/workflows"), { recursive: true });
  return dir;
}

async function edit(dir: string, file: string, from: string | RegExp, to: string): Promise<void> {
  const text = await readFile(join(dir, file), "utf8");
  if (!(typeof from === "string" ? text.includes(from) : from.test(text))) throw new Error(`test setup: ${String(from)} not in ${file}`);
  await writeFile(join(dir, file), typeof from === "string" ? text.replaceAll(from, to) : text.replace(from, to));
}

const imageLines = async (dir: string): Promise<string[]> =>
  (await validateRepository(dir, { kubectl })).findings.filter((f) => f.check === "images").map(formatFinding);

const lineOf = async (dir: string, file: string, needle: string): Promise<number> =>
  (await readFile(join(dir, file), "utf8")).split("\n").findIndex((l) => l.includes(needle)) + 1;

describe("pushedTags: the tags .github/workflows push", () => {
  it("reads ci.yml's commit tags and its moving latest, from build-push-action steps that push and from docker push", async () => {
    const tags = await pushedTags(repoRoot);
    const ci = tags.filter((t) => t.where.startsWith(".github/workflows/ci.yml:"));
    expect(new Set(ci.map((t) => t.template))).toEqual(new Set(["${{ github.sha }}", "${GITHUB_SHA}", "latest"]));
    expect(ci.filter((t) => t.moving).map((t) => t.template)).toEqual(expect.arrayContaining(["latest"]));
    const commit = ci.find((t) => t.template === "${{ github.sha }}");
    expect(commit?.pattern.test("ce2fe141af289019ab10c7b60ba18da527ae5da8")).toBe(true);
    expect(commit?.pattern.test("0.1.0")).toBe(false);
    expect(commit?.pattern.test("ce2fe14")).toBe(false);
  });
});

describe.skipIf(!kubectl)("horizon validate: images (needs kubectl)", { timeout: 180_000 }, () => {
  describe("on deploy/ as it was before issue 12", () => {
    let dir: string;
    let lines: string[];
    beforeAll(async () => {
      dir = await copyOf(before);
      lines = await imageLines(dir);
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    // ci.yml pushes <image>:${{ github.sha }} and :latest; 0.1.0 was never pushed, so no first sync could pull.
    it("finds every service image and every migration Job image at 0.1.0, a tag no workflow pushes", async () => {
      for (const env of ENVIRONMENTS) {
        for (const service of SERVICES) {
          const file = `deploy/environments/${env}/${service}/kustomization.yaml`;
          const line = await lineOf(dir, file, `blessed-horizon/${service}`);
          expect(lines).toContainEqual(
            expect.stringMatching(
              new RegExp(`^${file}:${line}: \\[images\\] Deployment/${service} runs ${REGISTRY}/${service}:0\\.1\\.0: no workflow pushes the tag "0\\.1\\.0" \\(they push .*\\$\\{\\{ github\\.sha \\}\\} \\(\\.github/workflows/ci\\.yml:\\d+\\)`),
            ),
          );
          expect(lines).toContainEqual(expect.stringMatching(new RegExp(`\\[images\\] Job/${service}-migrate runs ${REGISTRY}/db-migrate:0\\.1\\.0: no workflow pushes the tag "0\\.1\\.0"`)));
        }
      }
      expect(lines).toHaveLength(ENVIRONMENTS.length * SERVICES.length * 2);
    });
  });

  // What `horizon release set-image ...@sha256:...` wrote there: the digest, which kustomize's images
  // transformer writes without the tag (api/filters/imagetag/updater.go: a digest alone clears the tag),
  // and the overlay's replacements copied the text after the last ":" (api/filters/replacement
  // replacement.go: strings.Split(value, delimiter)[index]) into the Job: db-migrate:<digest hex>.
  it("on the old overlays with a digest set, finds the Job's db-migrate:<digest hex>", async () => {
    const dir = await copyOf(before, false);
    try {
      const file = "deploy/environments/development/campaign-service/kustomization.yaml";
      await edit(dir, file, 'newTag: "0.1.0"', `digest: ${DIGEST}`);
      const lines = await imageLines(dir);
      expect(lines).toEqual([
        `${file}:${await lineOf(dir, file, "images:")}: [images] Job/campaign-service-migrate runs ${REGISTRY}/db-migrate:${"ab".repeat(32)}, but campaign-service's image ${REGISTRY}/campaign-service@${DIGEST} has no tag, so nothing names the db-migrate of its source commit; give the service image as REPO:<commit>@sha256:...`,
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  describe("on today's deploy/", () => {
    it("finds nothing", async () => {
      const dir = await copyOf(join(repoRoot, "deploy"));
      try {
        expect(await imageLines(dir)).toEqual([]);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it("finds nothing after horizon release sets a digest with its commit (service REPO:<commit>@sha256:..., Job db-migrate:<commit>)", async () => {
      const dir = await copyOf(join(repoRoot, "deploy"));
      try {
        const file = join(dir, "deploy/environments/production/campaign-service/kustomization.yaml");
        const commit = "abcdefabcdefabcdefabcdefabcdefabcdefabcd";
        await writeFile(file, setKustomizeImage(await readFile(file, "utf8"), file, "campaign-service", { repository: `${REGISTRY}/campaign-service`, tag: commit, digest: DIGEST }));
        expect(await imageLines(dir)).toEqual([]);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it("finds a migration Job left on another commit's db-migrate than its service (a hand edit of one tag)", async () => {
      const dir = await copyOf(join(repoRoot, "deploy"));
      try {
        const file = "deploy/environments/staging/payment-service/kustomization.yaml";
        const other = "1111111111111111111111111111111111111111";
        await edit(dir, file, /(payment-service\n {4}newTag: )"[0-9a-f]{40}"/, `$1"${other}"`);
        const lines = await imageLines(dir);
        expect(lines).toEqual([
          expect.stringMatching(
            new RegExp(`^${file}:${await lineOf(dir, file, "/db-migrate")}: \\[images\\] Job/payment-service-migrate runs ${REGISTRY}/db-migrate:[0-9a-f]{40}, not the db-migrate built from the same commit as payment-service's image ${REGISTRY}/payment-service:${other}: ${REGISTRY}/db-migrate:${other}$`),
          ),
        ]);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it("derives the tag forms from the workflows: when they push sha-<commit>, a bare commit is refused", async () => {
      const dir = await copyOf(join(repoRoot, "deploy"));
      try {
        for (const name of await readdir(join(dir, ".github/workflows"))) {
          const file = `.github/workflows/${name}`;
          const text = await readFile(join(dir, file), "utf8");
          await writeFile(join(dir, file), text.replaceAll(":${{ github.sha }}", ":sha-${{ github.sha }}").replaceAll(":${GITHUB_SHA}", ":sha-${GITHUB_SHA}"));
        }
        const lines = await imageLines(dir);
        expect(lines).toHaveLength(ENVIRONMENTS.length * SERVICES.length * 2);
        for (const line of lines) expect(line).toMatch(/no workflow pushes the tag "[0-9a-f]{40}" \(they push .*sha-\$\{\{ github\.sha \}\} \(\.github\/workflows\/ci\.yml:\d+\)/);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it("calls latest a tag that names no build", async () => {
      const dir = await copyOf(join(repoRoot, "deploy"));
      try {
        const file = "deploy/environments/production/trust-service/kustomization.yaml";
        await edit(dir, file, /(trust-service\n {4}newTag: )"[0-9a-f]{40}"/, '$1"latest"');
        const lines = await imageLines(dir);
        expect(lines).toContainEqual(expect.stringMatching(/\[images\] Deployment\/trust-service runs .*trust-service:latest: "latest" is pushed again by every build \(\.github\/workflows\/ci\.yml:\d+\), so it names no commit/));
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });
});
