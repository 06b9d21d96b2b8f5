import { DockerfileParser, From, PropertyInstruction } from "dockerfile-ast";
import type { Dockerfile, Instruction } from "dockerfile-ast";
import { validate as dockerfileDiagnostics } from "dockerfile-utils";
import { finding } from "./findings.js";
import type { Finding } from "./findings.js";

/**
 * A Dockerfile as BuildKit reads it, from rcjsuen's dockerfile-ast (the parser
 * of the VS Code Docker language server): parser directives (`# escape=`),
 * continuations, heredocs and comments are its business, not ours.
 */
export const parseDockerfile = (text: string): Dockerfile => DockerfileParser.parse(text);

/** 1-based line where an instruction starts. */
export const lineOf = (instruction: Instruction): number => instruction.getRange().start.line + 1;

/** The instructions of each build stage, each led by its FROM. */
export function stagesOf(dockerfile: Dockerfile): Instruction[][] {
  const stages: Instruction[][] = [];
  for (const ins of dockerfile.getInstructions()) {
    if (ins.getKeyword() === "FROM") stages.push([ins]);
    else stages.at(-1)?.push(ins);
  }
  return stages;
}

/** An instruction's key=value pairs (ARG, ENV, LABEL); a bare `ARG NAME` has no value. */
export function properties(ins: Instruction): { name: string; value: string | null }[] {
  if (!(ins instanceof PropertyInstruction)) return [];
  return ins.getProperties().map((p) => ({ name: p.getName(), value: p.getValue() }));
}

const SECRET_NAME = /(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY)/i;
const OCI_LABELS = ["org.opencontainers.image.created", "org.opencontainers.image.revision", "org.opencontainers.image.version"];

function substitute(value: string, args: Map<string, string>): string | undefined {
  let unresolved = false;
  const result = value.replace(/\$\{(\w+)(?::-([^}]*))?\}|\$(\w+)/g, (_m, braced: string | undefined, fallback: string | undefined, bare: string | undefined) => {
    const name = braced ?? bare ?? "";
    const resolved = args.get(name) ?? fallback;
    if (resolved === undefined) unresolved = true;
    return resolved ?? "";
  });
  return unresolved ? undefined : result;
}

/** Whether an image reference names a version: a digest, or a tag other than `latest`. */
export function isPinned(image: string): boolean {
  if (image.includes("@sha256:")) return true;
  const lastSegment = image.slice(image.lastIndexOf("/") + 1);
  const colon = lastSegment.indexOf(":");
  if (colon < 0) return false;
  return lastSegment.slice(colon + 1) !== "latest";
}

/**
 * dockerfile-utils' diagnostics (what Docker would refuse or ignore: unknown
 * instructions, missing arguments, a second CMD, bad flags), then our rules:
 * every base image pinned (no `latest`, no bare name), the final stage runs
 * as a non-root USER and carries the OCI labels, no ADD of a URL, no secret
 * baked into ENV/ARG, `npm ci` rather than `npm install`.
 */
export function lintDockerfile(text: string, file: string): Finding[] {
  const dockerfile = parseDockerfile(text);
  const findings: Finding[] = dockerfileDiagnostics(text).map((d) => finding(file, d.range.start.line + 1, "dockerfile", typeof d.message === "string" ? d.message : d.message.value));
  const add = (ins: Instruction, message: string): void => void findings.push(finding(file, lineOf(ins), "dockerfile", message));
  const globalArgs = new Map<string, string>();
  for (const arg of dockerfile.getInitialARGs()) for (const { name, value } of properties(arg)) if (value !== null) globalArgs.set(name, value);
  const stages = stagesOf(dockerfile);
  const aliases = new Set<string>();
  for (const [from, ...body] of stages) {
    if (!from) continue;
    const image = from.getArguments().find((a) => !a.getValue().startsWith("--"))?.getValue() ?? "";
    const resolved = substitute(image, globalArgs);
    if (resolved === undefined) add(from, `base image ${image} uses a build argument with no default (declare ARG with a value before the first FROM)`);
    else if (!aliases.has(resolved.toLowerCase()) && resolved !== "scratch" && !isPinned(resolved)) {
      add(from, `base image ${resolved} is not pinned: name a version tag (not "latest") or a digest`);
    }
    const alias = from instanceof From ? from.getBuildStage() : null;
    if (alias) aliases.add(alias.toLowerCase());
    for (const ins of body) {
      const keyword = ins.getKeyword();
      const args = ins.getArgumentsContent() ?? "";
      if (keyword === "ADD" && ins.getArguments().some((a) => /^(https?|ftp):\/\//i.test(a.getValue()))) {
        add(ins, "ADD of a URL: download in a RUN step that verifies a checksum, or COPY the file");
      }
      if (keyword === "ENV" || keyword === "ARG") {
        for (const { name, value } of properties(ins)) if (SECRET_NAME.test(name) && value) add(ins, `${keyword} ${name} bakes a secret into the image: pass it at run time`);
      }
      if (keyword === "RUN" && /\bnpm\s+(install|i)\b(?![^&;|]*\s(-g|--global)\b)/.test(args)) {
        add(ins, "npm install in an image build: use npm ci, which installs exactly the lockfile");
      }
    }
  }
  const [finalFrom, ...finalStage] = stages.at(-1) ?? [];
  if (!finalFrom) return findings; // dockerfile-utils has said "No source image provided with `FROM`"
  const user = [...finalStage].reverse().find((i) => i.getKeyword() === "USER");
  const userName = user?.getArgumentsContent()?.trim() ?? "";
  if (!user) add(finalFrom, "the final stage runs as root: add USER with a non-root user (numeric uid lets Kubernetes verify runAsNonRoot)");
  else if (/^(root|0)(:|$)/.test(userName)) add(user, `the final stage runs as root (USER ${userName}): use a non-root user`);
  const labels = new Set(finalStage.filter((i) => i.getKeyword() === "LABEL").flatMap((i) => properties(i).map((p) => p.name)));
  const missing = OCI_LABELS.filter((l) => !labels.has(l));
  if (missing.length > 0) add(finalFrom, `the final stage lacks the OCI labels ${missing.join(", ")} (from BUILD_DATE, VCS_REF, VERSION)`);
  return findings.sort((a, b) => a.line - b.line);
}
