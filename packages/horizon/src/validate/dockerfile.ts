import { finding } from "./findings.js";
import type { Finding } from "./findings.js";

/** One Dockerfile instruction with its continuation lines joined. */
export interface Instruction {
  line: number;
  keyword: string;
  args: string;
}

/** Splits a Dockerfile into instructions (comments dropped, `\` continuations joined). */
export function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  let current: Instruction | undefined;
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (!current) {
      if (line === "" || line.startsWith("#")) return;
      const match = /^(\S+)\s*(.*)$/.exec(line);
      current = { line: index + 1, keyword: (match?.[1] ?? "").toUpperCase(), args: "" };
      raw = match?.[2] ?? "";
    } else if (line.startsWith("#")) {
      return; // comments inside a continued instruction
    }
    const body = raw.trim();
    const continued = body.endsWith("\\");
    current.args = `${current.args} ${continued ? body.slice(0, -1) : body}`.trim();
    if (!continued) {
      out.push(current);
      current = undefined;
    }
  });
  if (current) out.push(current);
  return out;
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

function keyValues(args: string): [string, string | undefined][] {
  const pairs = [...args.matchAll(/([\w.-]+)(?:=("[^"]*"|'[^']*'|\S*))?/g)];
  return pairs.map((m) => [m[1] ?? "", m[2]?.replace(/^["']|["']$/g, "")]);
}

/**
 * Our Dockerfile rules: every base image pinned (no `latest`, no bare name),
 * the final stage runs as a non-root USER and carries the OCI labels, no ADD
 * of a URL, no secret baked into ENV/ARG, `npm ci` rather than `npm install`.
 */
export function lintDockerfile(text: string, file: string): Finding[] {
  const instructions = parseDockerfile(text);
  const findings: Finding[] = [];
  const add = (line: number, message: string): void => void findings.push(finding(file, line, "dockerfile", message));
  const globalArgs = new Map<string, string>();
  const stages = new Set<string>();
  let sawFrom = false;
  let finalStage: Instruction[] = [];
  let finalFrom: Instruction | undefined;
  for (const ins of instructions) {
    if (ins.keyword === "ARG" && !sawFrom) {
      for (const [k, v] of keyValues(ins.args)) if (v !== undefined) globalArgs.set(k, v);
    }
    if (ins.keyword === "FROM") {
      sawFrom = true;
      const words = ins.args.split(/\s+/).filter((w) => !w.startsWith("--"));
      const image = words[0] ?? "";
      const alias = words[1]?.toUpperCase() === "AS" ? words[2] : undefined;
      const resolved = substitute(image, globalArgs);
      if (resolved === undefined) add(ins.line, `base image ${image} uses a build argument with no default (declare ARG with a value before the first FROM)`);
      else if (!stages.has(resolved.toLowerCase()) && resolved !== "scratch" && !isPinned(resolved)) {
        add(ins.line, `base image ${resolved} is not pinned: name a version tag (not "latest") or a digest`);
      }
      if (alias) stages.add(alias.toLowerCase());
      finalStage = [];
      finalFrom = ins;
      continue;
    }
    finalStage.push(ins);
    if (ins.keyword === "ADD" && /(^|\s)(https?|ftp):\/\//i.test(ins.args)) {
      add(ins.line, "ADD of a URL: download in a RUN step that verifies a checksum, or COPY the file");
    }
    if ((ins.keyword === "ENV" || ins.keyword === "ARG") && sawFrom) {
      for (const [k, v] of keyValues(ins.args)) {
        if (SECRET_NAME.test(k) && v) add(ins.line, `${ins.keyword} ${k} bakes a secret into the image: pass it at run time`);
      }
    }
    if (ins.keyword === "RUN" && /\bnpm\s+(install|i)\b(?![^&;|]*\s(-g|--global)\b)/.test(ins.args)) {
      add(ins.line, "npm install in an image build: use npm ci, which installs exactly the lockfile");
    }
  }
  if (!finalFrom) return [finding(file, 1, "dockerfile", "no FROM instruction")].concat(findings);
  const user = [...finalStage].reverse().find((i) => i.keyword === "USER");
  if (!user) add(finalFrom.line, "the final stage runs as root: add USER with a non-root user (numeric uid lets Kubernetes verify runAsNonRoot)");
  else if (/^(root|0)(:|$)/.test(user.args.trim())) add(user.line, `the final stage runs as root (USER ${user.args.trim()}): use a non-root user`);
  const labels = new Set(finalStage.filter((i) => i.keyword === "LABEL").flatMap((i) => keyValues(i.args).map(([k]) => k)));
  const missing = OCI_LABELS.filter((l) => !labels.has(l));
  if (missing.length > 0) add(finalFrom.line, `the final stage lacks the OCI labels ${missing.join(", ")} (from BUILD_DATE, VCS_REF, VERSION)`);
  return findings;
}
