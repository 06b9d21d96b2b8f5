import { existsSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, posix } from "node:path";
import dockerignore from "@balena/dockerignore";
import { Copy } from "dockerfile-ast";
import type { Instruction } from "dockerfile-ast";
import { SERVICE_BUILD_ARG } from "../core/service-image.js";
import { lineOf, parseDockerfile, stagesOf } from "./dockerfile.js";
import { takesServiceArg } from "./dockerfile-service.js";
import { listFiles } from "./files.js";
import { finding } from "./findings.js";
import type { Finding } from "./findings.js";

/**
 * The package is CommonJS (`module.exports = ignore`) while its types declare
 * `export default ignore`: Node's default import is the function itself,
 * TypeScript (NodeNext) types it as the module object.
 */
const ignore = dockerignore as unknown as typeof dockerignore.default;

/** The sources a COPY or ADD takes from the build context (not from a stage or an image, not a heredoc). */
function contextSources(ins: Instruction): string[] {
  if (ins.getKeyword() !== "COPY" && ins.getKeyword() !== "ADD") return [];
  if (ins instanceof Copy && ins.getFromFlag()) return [];
  const words = ins.getArguments().map((a) => a.getValue()).filter((w) => !w.startsWith("--"));
  return words.slice(0, -1).filter((w) => !w.startsWith("<<") && !/^[a-z]+:\/\//i.test(w));
}

/** A source with SERVICE put in, once per service where the Dockerfile takes it; undefined where another variable or a wildcard is left. */
function expand(source: string, services: readonly string[] | undefined): string[] | undefined {
  const uses = new RegExp(`\\$\\{${SERVICE_BUILD_ARG}(?::[^}]*)?\\}|\\$${SERVICE_BUILD_ARG}\\b`);
  const sources = uses.test(source) ? (services ?? []).map((s) => source.replace(new RegExp(uses.source, "g"), s)) : [source];
  if (sources.some((s) => /[$*?[]/.test(s))) return undefined;
  return sources.map((s) => posix.normalize(s.replace(/^\/+/, "")).replace(/\/$/, ""));
}

/**
 * What our Dockerfiles copy from the build context (the repository root, as
 * CI and `horizon pipeline` build them) is there: each source exists in the
 * repository and .dockerignore (Docker's rules, by @balena/dockerignore)
 * leaves none of its files out. For the one service Dockerfile, once per
 * service.
 */
export async function checkBuildContext(root: string, file: string, text: string, services: readonly string[]): Promise<Finding[]> {
  const dockerfile = parseDockerfile(text);
  const rules = existsSync(join(root, ".dockerignore")) ? (await readFile(join(root, ".dockerignore"), "utf8")).split(/\r?\n/) : [];
  const ignored = ignore().add(rules);
  const perService = takesServiceArg(dockerfile) ? services : undefined;
  const findings: Finding[] = [];
  for (const ins of stagesOf(dockerfile).flat()) {
    for (const source of contextSources(ins)) {
      for (const path of expand(source, perService) ?? []) {
        if (path === ".") continue;
        const add = (message: string) => void findings.push(finding(file, lineOf(ins), "dockerfile", `${ins.getKeyword()} ${source}: ${message}`));
        if (!existsSync(join(root, path))) {
          add(`${path} is not in the repository (the build context)`);
          continue;
        }
        const files = statSync(join(root, path)).isDirectory() ? await listFiles(root, path, () => true) : [path];
        const left = files.filter((f) => ignored.ignores(f));
        if (ignored.ignores(path)) add(`.dockerignore leaves ${path} out of the build context`);
        else if (left[0] !== undefined) add(`.dockerignore leaves ${left[0]}${left.length > 1 ? ` and ${left.length - 1} more file(s)` : ""} out of the build context`);
      }
    }
  }
  return findings;
}
