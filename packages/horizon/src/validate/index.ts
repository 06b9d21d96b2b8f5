import { readFile } from "node:fs/promises";
import { join, posix } from "node:path";
import { lintDockerfile } from "./dockerfile.js";
import { checkBuildContext } from "./dockerfile-context.js";
import { lintServiceDockerfile } from "./dockerfile-service.js";
import { finding, sortFindings } from "./findings.js";
import { checkFlagFiles } from "./flag-rules.js";
import type { Finding, ValidationReport } from "./findings.js";
import { isYaml, listFiles } from "./files.js";
import { checkClusterRules } from "./cluster-rules.js";
import { checkDeliveryRules } from "./delivery-rules.js";
import { imageFindings } from "./image-rules.js";
import { checkKustomizeTarget, kustomizeTargets } from "./kustomize.js";
import type { RenderedTarget } from "./kustomize.js";
import { checkManifestFiles } from "./manifests.js";
import { checkMigrations } from "./migrations.js";
import { checkFailureLoop } from "./notifications-rules.js";
import { checkPromotionPolicy } from "./policy.js";
import { checkAlertRules } from "./prometheus.js";
import { checkServicesDelivered, serviceWorkspaces } from "./services.js";
import { crdValidators, SchemaRegistry } from "./schemas.js";
import type { ObjectValidator } from "./schemas.js";
import { checkWorkflows } from "./workflows.js";

export type { ValidationReport } from "./findings.js";
export { formatFinding } from "./findings.js";

interface ValidateOptions {
  /** The manifests folder inside the repository. */
  deployDir?: string;
  /** Paths of kubectl and promtool; undefined skips what needs them (and the report says so). */
  kubectl?: string | undefined;
  promtool?: string | undefined;
}

const isDockerfile = (name: string): boolean => name === "Dockerfile" || name.endsWith(".Dockerfile") || name.startsWith("Dockerfile.");

async function loadCrds(root: string, schemaDir: string): Promise<{ validators: Map<string, ObjectValidator>; findings: Finding[] }> {
  const validators = new Map<string, ObjectValidator>();
  const findings: Finding[] = [];
  for (const file of await listFiles(root, schemaDir, isYaml)) {
    try {
      for (const [key, validator] of await crdValidators(join(root, file))) validators.set(key, validator);
    } catch (error) {
      findings.push(finding(file, 1, "schema", `cannot compile the CRD schemas: ${error instanceof Error ? error.message : String(error)}`));
    }
  }
  return { validators, findings };
}

/**
 * Checks the repository's delivery configuration as the real tools would read
 * it: workflows (actionlint), Kubernetes, Argo CD, Flagger and monitoring
 * objects (their schemas; Flagger's from the vendored CRDs in
 * <deploy>/schemas), each environment rendered by `kubectl kustomize`,
 * Dockerfiles (our rules; the one service Dockerfile builds each service
 * from SERVICE, and each workflow's image build names it with SERVICE set to
 * a service), migration file names (golang-migrate's), alert
 * rules (promtool).
 */
export async function validateRepository(root: string, options: ValidateOptions = {}): Promise<ValidationReport> {
  const deployDir = options.deployDir ?? "deploy";
  // posix.join("." , "schemas") is "schemas": paths compare equal whether the manifests are in deploy/ or at the root.
  const inDeploy = (sub: string) => posix.join(deployDir, sub);
  const findings: Finding[] = [];
  const skipped: string[] = [];
  const checked: Record<string, number> = {};

  const workflows = await checkWorkflows(root);
  findings.push(...workflows.findings);
  checked.workflows = workflows.files;

  const crds = await loadCrds(root, inDeploy("schemas"));
  findings.push(...crds.findings);
  const schemas = new SchemaRegistry(crds.validators);
  const manifests = await checkManifestFiles(root, deployDir, schemas, [inDeploy("schemas")]);
  findings.push(...manifests.findings);
  checked.objects = manifests.objects;

  const targets = await kustomizeTargets(root, deployDir);
  if (options.kubectl) {
    const rendered: RenderedTarget[] = [];
    for (const target of targets) {
      const result = await checkKustomizeTarget(root, target, options.kubectl, schemas);
      findings.push(...result.findings);
      if (result.rendered) rendered.push(result.rendered);
    }
    checked.kustomizations = targets.length;
    // Across objects and targets only when everything rendered: a partial view would report what is not wrong.
    if (rendered.length === targets.length) {
      findings.push(...(await checkClusterRules(root, deployDir, rendered)));
      findings.push(...(await checkDeliveryRules(root, deployDir, rendered)));
      findings.push(...(await imageFindings(root, deployDir, rendered)));
      findings.push(...(await checkFailureLoop(root, deployDir, rendered)));
    }
  } else if (targets.length > 0) skipped.push("kubectl not found: kustomizations not rendered");

  const dockerfiles = await listFiles(root, ".", isDockerfile);
  for (const file of dockerfiles) {
    const text = await readFile(join(root, file), "utf8");
    findings.push(...lintDockerfile(text, file), ...lintServiceDockerfile(text, file), ...(await checkBuildContext(root, file, text, await serviceWorkspaces(root))));
  }
  checked.dockerfiles = dockerfiles.length;

  const delivered = await checkServicesDelivered(root, deployDir);
  findings.push(...delivered.findings);
  checked.services = delivered.services;

  const migrations = await checkMigrations(root);
  findings.push(...migrations.findings);
  checked.migrationFolders = migrations.folders;

  const policy = checkPromotionPolicy(root, deployDir);
  findings.push(...policy.findings);
  checked.policyFiles = policy.files;

  const flags = checkFlagFiles(root, deployDir);
  findings.push(...flags.findings);
  checked.flagFiles = flags.files;

  const rules = await checkAlertRules(root, inDeploy("monitoring"), options.promtool);
  findings.push(...rules.findings);
  skipped.push(...rules.skipped);
  checked.ruleFiles = rules.files;

  return { findings: sortFindings(findings), checked, skipped };
}
