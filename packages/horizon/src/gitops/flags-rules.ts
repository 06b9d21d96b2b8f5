import { MemoryStorage } from "@openfeature/flagd-core";
import { JsonSyntaxError, lineOf, lineOfPointer, parseJsonTree, toPointer, type JsonNode } from "./flags-json.js";

/** One thing wrong with a flag file: where (JSON pointer, line) and what. */
interface FlagProblem {
  pointer: string;
  line: number;
  message: string;
}

/** flagd's maximum total weight of a `fractional` (math.MaxInt32; flagd core/pkg/evaluator/fractional.go, flagd-core's fractional). */
const MAX_TOTAL_WEIGHT = 2_147_483_647;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Keys given twice in one object: JSON.parse keeps the last silently, so the file says two things. */
function duplicateKeys(node: JsonNode, path: string[], out: Array<{ path: string[]; offset: number }>): void {
  if (node.kind === "object") {
    const seen = new Set<string>();
    for (const m of node.members) {
      if (seen.has(m.key)) out.push({ path: [...path, m.key], offset: m.keyStart });
      seen.add(m.key);
      duplicateKeys(m.value, [...path, m.key], out);
    }
  } else if (node.kind === "array") node.items.forEach((item, i) => duplicateKeys(item, [...path, String(i)], out));
}

/**
 * Every `fractional` operation in a targeting rule (JSON Logic: an object whose one key is the operator), with its path.
 */
function fractionals(value: unknown, path: string[], out: Array<{ path: string[]; args: unknown }>): void {
  if (Array.isArray(value)) value.forEach((v, i) => fractionals(v, [...path, String(i)], out));
  else if (isObject(value))
    for (const [k, v] of Object.entries(value)) {
      if (k === "fractional") out.push({ path: [...path, k], args: v });
      fractionals(v, [...path, k], out);
    }
}

/**
 * The rules of flagd's published schema (https://flagd.dev/schema/v0/flags.json, open-feature/flagd-schemas
 * json/flags.json and json/targeting.json at 741a7f8) that a JSON Schema cannot say, and flagd's evaluation rules:
 * - `defaultVariant` names one of the flag's `variants` (flags.json: "the variant to serve"; flagd-core's
 *   FeatureFlag.validateStructure refuses the file otherwise);
 * - each `fractional` bucket (targeting.json `fractionalWeightArg`) names a variant of the flag, its weight is a
 *   non-negative integer, and the weights sum to more than 0 and at most 2,147,483,647 (the schema's description;
 *   flagd-core's fractional returns null beyond it, silently serving the default).
 */
function flagRules(config: unknown): Array<{ path: string[]; message: string }> {
  const problems: Array<{ path: string[]; message: string }> = [];
  if (!isObject(config) || !isObject(config.flags)) return problems;
  for (const [key, flag] of Object.entries(config.flags)) {
    if (!isObject(flag) || !isObject(flag.variants)) continue;
    const variants = Object.keys(flag.variants);
    const known = `(variants: ${variants.join(", ") || "none"})`;
    if (typeof flag.defaultVariant === "string" && !variants.includes(flag.defaultVariant)) {
      problems.push({ path: ["flags", key, "defaultVariant"], message: `flag ${key}: defaultVariant "${flag.defaultVariant}" is not one of its variants ${known}` });
    }
    const found: Array<{ path: string[]; args: unknown }> = [];
    fractionals(flag.targeting, ["flags", key, "targeting"], found);
    for (const { path, args } of found) {
      if (!Array.isArray(args)) continue;
      // The first argument is the bucketing value when it is not a bucket (an array).
      const start = args.length > 0 && !Array.isArray(args[0]) ? 1 : 0;
      let total = 0;
      let literal = true;
      for (let i = start; i < args.length; i++) {
        const bucket: unknown = args[i];
        const at = [...path, String(i)];
        if (!Array.isArray(bucket) || bucket.length < 1 || bucket.length > 2) {
          problems.push({ path: at, message: `flag ${key}: a fractional bucket is [variant, weight]` });
          continue;
        }
        const [variant, weight = 1] = bucket as unknown[];
        if (typeof variant === "string" && !variants.includes(variant)) {
          problems.push({ path: [...at, "0"], message: `flag ${key}: fractional bucket "${variant}" is not one of its variants ${known}` });
        }
        if (typeof weight === "number") {
          if (!Number.isInteger(weight) || weight < 0) {
            problems.push({ path: [...at, "1"], message: `flag ${key}: fractional weight ${weight} is not a non-negative integer` });
            literal = false;
          } else total += weight;
        } else literal = false;
      }
      if (literal && args.length > start && total === 0) problems.push({ path, message: `flag ${key}: the fractional weights sum to 0, so no bucket is ever chosen` });
      if (total > MAX_TOTAL_WEIGHT) problems.push({ path, message: `flag ${key}: the fractional weights sum to ${total}, more than flagd's maximum ${MAX_TOTAL_WEIGHT}` });
    }
  }
  return problems;
}

interface AjvError {
  instancePath?: string;
  message?: string;
  params?: { additionalProperty?: string; allowedValues?: unknown[] };
}

/** Of ajv's errors for a failed anyOf/oneOf, the one deepest in the document that says what is wrong. */
function mostSpecific(errors: readonly AjvError[]): AjvError | undefined {
  const depth = (e: AjvError): number => (e.instancePath ?? "").split("/").length;
  const vague = (e: AjvError): boolean => /^must (match|be object)/.test(e.message ?? "");
  return [...errors].sort((a, b) => depth(b) - depth(a) || Number(vague(a)) - Number(vague(b)))[0];
}

const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * flagd-core's own parser with strict schema validation (MemoryStorage.setConfigurations(text, true), what the
 * in-process provider runs), and targeting it cannot compile (it only logs those and fails each evaluation).
 */
function flagdCoreProblems(text: string): Array<{ pointer: string; message: string }> {
  const warnings: string[] = [];
  try {
    new MemoryStorage({ ...silent, warn: (message: string) => void warnings.push(message) }).setConfigurations(text, true);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const list = message.indexOf("[");
    if (list >= 0) {
      try {
        const best = mostSpecific(JSON.parse(message.slice(list)) as AjvError[]);
        if (best) {
          const allowed = best.params?.allowedValues?.map((v) => JSON.stringify(v)).join(", ");
          const extra = best.params?.additionalProperty ? ` (${best.params.additionalProperty})` : allowed ? ` (${allowed})` : "";
          return [{ pointer: best.instancePath ?? "", message: `flagd schema: ${best.message ?? "invalid"}${extra}` }];
        }
      } catch {
        // Not ajv's list: report flagd-core's message as it is.
      }
    }
    const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : "";
    return [{ pointer: "", message: `flagd-core: ${message}${cause}` }];
  }
  return warnings.map((w) => {
    const key = /flag '([^']+)'/.exec(w)?.[1];
    return { pointer: key ? toPointer(["flags", key, "targeting"]) : "", message: `flagd-core: ${w}` };
  });
}

/** Everything wrong with a flag file's text; empty when flagd would load it as written. */
export function checkFlagText(text: string): FlagProblem[] {
  let tree: JsonNode;
  try {
    tree = parseJsonTree(text);
  } catch (error) {
    if (!(error instanceof JsonSyntaxError)) throw error;
    return [{ pointer: "", line: lineOf(text, error.offset), message: `not JSON: ${error.message}` }];
  }
  const duplicates: Array<{ path: string[]; offset: number }> = [];
  duplicateKeys(tree, [], duplicates);
  const problems: FlagProblem[] = duplicates.map((d) => ({ pointer: toPointer(d.path), line: lineOf(text, d.offset), message: `key "${d.path.at(-1) ?? ""}" appears twice` }));
  const ours = flagRules(JSON.parse(text) as unknown).map((p) => ({ pointer: toPointer(p.path), line: lineOfPointer(text, toPointer(p.path)), message: p.message }));
  problems.push(...ours);
  // flagd-core's verdict stands, less what our rules already said more precisely (its structural errors carry no
  // pointer; its schema errors one that ours may share).
  const core = flagdCoreProblems(text).filter((c) => ours.length === 0 || (c.message.startsWith("flagd schema:") && !ours.some((o) => o.pointer === c.pointer)));
  problems.push(...core.map((c) => ({ ...c, line: lineOfPointer(text, c.pointer) })));
  return problems;
}

/** `path#/json/pointer (line N): message`, the form every flag error is reported in. */
export const formatFlagProblem = (path: string, p: FlagProblem): string => `${path}#${p.pointer} (line ${p.line}): ${p.message}`;
