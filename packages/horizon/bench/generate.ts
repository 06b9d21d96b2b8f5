import { once } from "node:events";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { formatReleaseMessage } from "../src/gitops/trailers.js";
import type { ReleaseTrailers } from "../src/gitops/trailers.js";
import { git, spawnGit } from "../src/io/git.js";

const ENVIRONMENTS = ["development", "staging", "production"] as const;

interface GeneratedRepo {
  dir: string;
  deploys: number;
}

/** Deterministic pseudo-random numbers (mulberry32), so every bench run builds the same history. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const serviceName = (i: number): string => `service-${String(i).padStart(3, "0")}`;
const image = (service: string, tag: string): string => `ghcr.io/blessed-horizon/${service}:${tag}`;

function kustomization(env: string, service: string, tag: string): string {
  return [
    `# ${service} in ${env}.`,
    "apiVersion: kustomize.config.k8s.io/v1beta1",
    "kind: Kustomization",
    `namespace: blessed-horizon-${env}`,
    "resources:",
    `- ../../../base/${service}`,
    "images:",
    `- name: ghcr.io/blessed-horizon/${service}`,
    `  newTag: ${tag}`,
    "",
  ].join("\n");
}

const data = (text: string): string => `data ${Buffer.byteLength(text)}\n${text}\n`;

/**
 * A manifests repository whose history has `commits` release commits (deploys
 * and, every 40th, a rollback of the deploy just before), spread over the
 * last 360 days, written with one `git fast-import` conversation.
 */
export async function generateManifestsRepo(options: { services: number; commits: number }): Promise<GeneratedRepo> {
  const dir = mkdtempSync(join(tmpdir(), "horizon-bench-"));
  await git(["init", "--quiet", "--initial-branch=main"], { cwd: dir });
  const rand = random(42);
  const who = `${process.env.GIT_COMMITTER_NAME ?? "bench"} <${process.env.GIT_COMMITTER_EMAIL ?? "bench@example"}>`;
  const end = Math.floor(Date.now() / 1000) - 3600;
  const begin = end - 360 * 86_400;
  const tags = new Map<string, string[]>();

  // fast-import grows and trims its heap with brk for every commit; on a busy VM each brk costs
  // ~0.1 ms, which made 10,000 commits take minutes. A large pad and trim threshold avoid that
  // (glibc only; other libcs ignore the variable).
  const importer = spawnGit(["fast-import", "--quiet", "--done"], {
    cwd: dir,
    env: { GLIBC_TUNABLES: "glibc.malloc.top_pad=67108864:glibc.malloc.trim_threshold=268435456" },
  });
  const answers = createInterface({ input: importer.stdout })[Symbol.asyncIterator]();
  // Respect backpressure: an unbounded queue of small writes makes Node's pipe writes quadratic.
  const write = async (text: string): Promise<void> => {
    if (!importer.stdin.write(text)) await once(importer.stdin, "drain");
  };

  let initial = `commit refs/heads/main\nmark :1\ncommitter ${who} ${begin - 86_400} +0000\n${data("initial manifests")}`;
  for (const env of ENVIRONMENTS) {
    const services = Array.from({ length: options.services }, (_, i) => serviceName(i));
    initial += `M 100644 inline environments/${env}/kustomization.yaml\n${data(["resources:", ...services.map((s) => `- ${s}`), ""].join("\n"))}`;
    for (const s of services) {
      tags.set(`${env}/${s}`, ["v0"]);
      initial += `M 100644 inline environments/${env}/${s}/kustomization.yaml\n${data(kustomization(env, s, "v0"))}`;
    }
  }
  await write(initial);

  let deploys = 0;
  // Every 40th commit rolls back the deploy made LAG commits earlier. Its SHA is asked for
  // (get-mark) right after that deploy is written and read only when needed, so the
  // conversation never waits for a round trip; the service is not deployed again meanwhile.
  const LAG = 8;
  let pending: { env: string; service: string; answer: Promise<IteratorResult<string>> } | undefined;
  for (let i = 0; i < options.commits; i++) {
    const mark = i + 2;
    const time = begin + Math.floor(((i + 1) * (end - begin)) / options.commits);
    let release: ReleaseTrailers;
    let env: string;
    let service: string;
    let tag: string;
    if (i % 40 === 39 && pending) {
      ({ env, service } = pending);
      const { value } = await pending.answer;
      const history = tags.get(`${env}/${service}`) ?? ["v0"];
      const bad = history.pop() ?? "v0";
      tag = history.at(-1) ?? "v0";
      release = { action: "rollback", environment: env, services: [{ service, image: image(service, tag), previousImage: image(service, bad) }], rollsBack: [{ service, commit: String(value).trim() }] };
      pending = undefined;
    } else {
      do {
        env = ENVIRONMENTS[Math.floor(rand() * 3)] ?? "production";
        service = serviceName(Math.floor(rand() * options.services));
      } while (pending && pending.env === env && pending.service === service);
      tag = `sha-${(i + 1).toString(16).padStart(7, "0")}`;
      const history = tags.get(`${env}/${service}`) ?? [];
      const previous = history.at(-1) ?? "v0";
      history.push(tag);
      tags.set(`${env}/${service}`, history);
      const sourceTime = new Date((time - Math.floor(rand() * 72 * 3600)) * 1000).toISOString();
      release = { action: "deploy", environment: env, services: [{ service, image: image(service, tag), previousImage: image(service, previous), sourceCommit: tag.slice(4), sourceTime }], rollsBack: [] };
      deploys++;
    }
    const message = formatReleaseMessage(`${release.action}(${env}): ${service} ${tag}`, [], release);
    await write(
      `commit refs/heads/main\nmark :${mark}\ncommitter ${who} ${time} +0000\n${data(message)}` +
        `M 100644 inline environments/${env}/${service}/kustomization.yaml\n${data(kustomization(env, service, tag))}`,
    );
    if (i % 40 === 39 - LAG && release.action === "deploy") {
      await write(`get-mark :${mark}\n`);
      pending = { env, service, answer: answers.next() };
    }
  }
  importer.stdin.end("done\n");
  const [code] = (await once(importer, "close")) as [number | null];
  if (code !== 0) throw new Error(`git fast-import exited ${String(code)}`);
  await git(["checkout", "--quiet", "--force", "main"], { cwd: dir });
  return { dir, deploys };
}
