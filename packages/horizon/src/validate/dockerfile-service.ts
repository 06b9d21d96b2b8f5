import type { Dockerfile, Instruction } from "dockerfile-ast";
import { SERVICE_BUILD_ARG } from "../core/service-image.js";
import { lineOf, parseDockerfile, properties, stagesOf } from "./dockerfile.js";
import { finding } from "./findings.js";
import type { Finding } from "./findings.js";

const ARG = SERVICE_BUILD_ARG;
/** A path into a service folder, `services/<name>`, with the name written out or taken from a variable. */
const SERVICE_PATH = /(?:^|[\s"'=/])services\/(\$\{[^}]*\}|\$\w+|[\w.-]+)/g;
const fromServiceArg = (name: string): boolean => name === `\${${ARG}}` || name === `$${ARG}` || name.startsWith(`\${${ARG}:`);

const declares = (ins: Instruction): boolean => ins.getKeyword() === "ARG" && properties(ins).some((p) => p.name === ARG);

/** Whether a Dockerfile takes the service as a build argument (ARG SERVICE anywhere): the one service Dockerfile. */
export const takesServiceArg = (dockerfile: Dockerfile): boolean => dockerfile.getInstructions().some(declares);

/**
 * The rules of the one Dockerfile that builds every service (ARG SERVICE):
 * each stage that uses SERVICE declares it (an ARG ends with its stage, so
 * an undeclared one is empty there), every path into services/ goes through
 * SERVICE (a folder named outright would go into every service's image), and
 * the final stage copies the service's own files.
 */
export function lintServiceDockerfile(text: string, file: string): Finding[] {
  const dockerfile = parseDockerfile(text);
  if (!takesServiceArg(dockerfile)) return [];
  const findings: Finding[] = [];
  const add = (ins: Instruction, message: string): void => void findings.push(finding(file, lineOf(ins), "dockerfile", message));
  const stages = stagesOf(dockerfile);
  for (const stage of stages) {
    let declared = false;
    for (const ins of stage) {
      if (declares(ins)) declared = true;
      else if (ins.getKeyword() !== "FROM" && !declared && ins.getVariables().some((v) => v.getName() === ARG)) {
        add(ins, `uses ${ARG} in a stage that does not declare it (it is empty there): add ARG ${ARG} to the stage`);
      }
      for (const match of (ins.getArgumentsContent() ?? "").matchAll(SERVICE_PATH)) {
        const name = match[1] ?? "";
        if (!fromServiceArg(name)) add(ins, `names services/${name}: write services/\${${ARG}}, so that this one Dockerfile builds each service`);
      }
    }
  }
  const final = stages.at(-1) ?? [];
  const copiesService = final.some((ins) => ins.getKeyword() === "COPY" && [...(ins.getArgumentsContent() ?? "").matchAll(SERVICE_PATH)].some((m) => fromServiceArg(m[1] ?? "")));
  const finalFrom = final[0];
  if (finalFrom && !copiesService) add(finalFrom, `the final stage copies nothing from services/\${${ARG}}/: the image would hold no service`);
  return findings;
}
