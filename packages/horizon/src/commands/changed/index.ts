import { affectedServices, isService, serviceName } from "../../core/changed.js";
import { changedFiles, NO_BASE, repositoryRoot, resolveCommit } from "../shared/git-range.js";
import { readWorkspaces } from "../shared/workspaces.js";

export interface ChangedOptions {
  base: string;
  head?: string;
  json?: boolean;
}

interface ChangedContext {
  cwd: string;
  write: (text: string) => void;
  warn: (text: string) => void;
}

/** `horizon changed`: the services that the change base...head affects. */
export async function runChanged(options: ChangedOptions, context: ChangedContext): Promise<string[]> {
  const root = await repositoryRoot(context.cwd);
  const head = await resolveCommit(options.head ?? "HEAD", root, "--head");
  const workspaces = await readWorkspaces(head, root);
  let services: string[];
  if (NO_BASE.test(options.base)) {
    context.warn(`horizon: base ${options.base} is the null commit (a new branch); every service is affected\n`);
    services = workspaces.filter(isService).map(serviceName).sort();
  } else {
    const base = await resolveCommit(options.base, root, "--base");
    services = affectedServices(await changedFiles(base, head, root, context.warn), workspaces);
  }
  context.write(options.json ? `${JSON.stringify(services)}\n` : services.map((name) => `${name}\n`).join(""));
  return services;
}
