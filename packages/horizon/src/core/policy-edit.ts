import { isMap, isSeq, parseDocument, type Document } from "yaml";
import { InputError } from "../errors.js";
import { parsePolicy, POLICY_FILE, type Freeze } from "./policy.js";
import { formatLocalIso } from "./zoned-time.js";

/** Pure `string -> string` edits of promotion-policy.yaml that keep its comments (CONVENTIONS.md). */

const HEADER = [
  "# Promotion policy: soak, windows, freezes and auto-promotion per environment (see the horizon README).",
  "timezone: UTC",
  "environments: {}",
  "",
].join("\n");

function freezesOf(doc: Document, environment: string) {
  let environments = doc.get("environments", true);
  if (!isMap(environments)) {
    doc.set("environments", doc.createNode({}));
    environments = doc.get("environments", true);
  }
  if (!isMap(environments)) throw new InputError(`${POLICY_FILE}: environments is not a map`);
  environments.flow = false;
  let env = environments.get(environment, true);
  if (!isMap(env)) {
    environments.set(environment, doc.createNode({}));
    env = environments.get(environment, true);
  }
  if (!isMap(env)) throw new InputError(`${POLICY_FILE}: environments.${environment} is not a map`);
  env.flow = false;
  let freezes = env.get("freezes", true);
  if (!isSeq(freezes)) {
    env.set("freezes", doc.createNode([]));
    freezes = env.get("freezes", true);
  }
  if (!isSeq(freezes)) throw new InputError(`${POLICY_FILE}: environments.${environment}.freezes is not a list`);
  freezes.flow = false;
  return freezes;
}

/** The policy with an open-ended freeze of `environment` from `freeze.from` (stop the line). */
export function addOpenFreeze(source: string | undefined, environment: string, freeze: Omit<Freeze, "to">): string {
  const text = source ?? HEADER;
  parsePolicy(text); // refuse to edit a file that is already broken: the error names the path
  const doc = parseDocument(text);
  freezesOf(doc, environment).add(doc.createNode({ from: formatLocalIso(freeze.from), reason: freeze.reason }));
  const after = doc.toString({ lineWidth: 0 });
  parsePolicy(after);
  return after;
}

/** The policy without `environment`'s open-ended freezes, and the freezes removed. Scheduled freezes stay. */
export function removeOpenFreezes(source: string | undefined, environment: string): { text: string; removed: Freeze[] } {
  if (source === undefined) return { text: "", removed: [] };
  const policy = parsePolicy(source);
  const freezes = policy.environments[environment]?.freezes ?? [];
  const removed = freezes.filter((f) => f.to === undefined);
  if (removed.length === 0) return { text: source, removed };
  const doc = parseDocument(source);
  const seq = freezesOf(doc, environment);
  for (let i = freezes.length - 1; i >= 0; i--) if (freezes[i].to === undefined) seq.delete(i);
  if (seq.items.length === 0) seq.flow = true;
  return { text: doc.toString({ lineWidth: 0 }), removed };
}
