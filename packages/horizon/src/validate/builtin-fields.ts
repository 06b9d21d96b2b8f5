/**
 * The fields of every built-in Kubernetes type, from the Kubernetes OpenAPI
 * as @kubernetes/client-node generates its models from it (pinned exactly:
 * this reads its generated files, not its public API). kubernetes-models
 * checks the types of fields but lets unknown ones through; these maps say
 * which fields exist, so unknown ones can be refused the way the API server's
 * strict field validation refuses them.
 */

/** One field of an OpenAPI definition: its name in YAML and its type, in the generator's TypeScript notation. */
interface Attribute {
  baseName: string;
  type: string;
}
type Models = Record<string, { attributeTypeMap?: readonly Attribute[] } | undefined>;
interface Util {
  /** `<Version><Kind>` for a built-in API group's kind, "KubernetesObject" for any other group's (a custom resource's). */
  getSerializationType(apiVersion: string, kind: string): string;
}

/** A JSON path inside an object. */
export type FieldPath = readonly (string | number)[];

/** An object somewhere inside a manifest whose OpenAPI definition is known. */
export interface TypedObject {
  /** The definition's model name, e.g. V1ObjectMeta, V1LabelSelector. */
  type: string;
  value: Record<string, unknown>;
  path: FieldPath;
}

// Not literal specifiers, so TypeScript does not pull in the client's own types (and its @types/node).
/** Every model, by name. */
const MODELS: string = "@kubernetes/client-node/dist/gen/models/all.js";
/** The client's map from apiVersion and kind to model name, with Kubernetes' list of built-in groups. */
const UTIL: string = "@kubernetes/client-node/dist/util.js";

/** The model every object's `metadata` has, custom resources' included. */
export const OBJECT_META = "V1ObjectMeta";

const ARRAY = /^Array<(.+)>$/;
const MAP = /^\{ \[key: string\]: (.+); \}$/;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** The known fields of a type; undefined for what is not an object definition (string, IntOrString, any: free-form). */
export interface FieldMaps {
  fieldsOf(type: string): ReadonlyMap<string, string> | undefined;
  /** The model of a built-in kind, e.g. V1Deployment for apps/v1 Deployment; undefined for custom resources. */
  rootTypeOf(apiVersion: string, kind: string): string | undefined;
}

let loaded: Promise<FieldMaps> | undefined;
/** Loaded on first use: about 750 small modules that only validate needs. */
export const loadFieldMaps = (): Promise<FieldMaps> => (loaded ??= fieldMaps());

async function fieldMaps(): Promise<FieldMaps> {
  const [all, util] = (await Promise.all([import(MODELS), import(UTIL)])) as [Models, Util];
  const cache = new Map<string, ReadonlyMap<string, string> | undefined>();
  const fieldsOf = (type: string): ReadonlyMap<string, string> | undefined => {
    if (!cache.has(type)) {
      const attributes = Object.hasOwn(all, type) ? all[type]?.attributeTypeMap : undefined;
      cache.set(type, attributes ? new Map(attributes.map((a) => [a.baseName, a.type])) : undefined);
    }
    return cache.get(type);
  };
  return {
    fieldsOf,
    rootTypeOf(apiVersion, kind) {
      const plain = util.getSerializationType(apiVersion, kind);
      if (plain === "KubernetesObject") return undefined;
      // Where two groups share a <Version><Kind>, the generator prefixes the group: CoreV1Event, EventsV1Event.
      const group = apiVersion.includes("/") ? (apiVersion.split(/[./]/)[0] ?? "") : "core";
      const qualified = `${group.charAt(0).toUpperCase()}${group.slice(1)}${plain}`;
      return [qualified, plain].find((name) => fieldsOf(name) !== undefined);
    },
  };
}

/** Every object inside `value` (itself included) whose definition is known, depth first, with the type it has there. */
export function* typedObjects(maps: FieldMaps, type: string, value: unknown, path: FieldPath = []): Generator<TypedObject> {
  const array = ARRAY.exec(type)?.[1];
  if (array !== undefined) {
    if (Array.isArray(value)) for (const [i, item] of value.entries()) yield* typedObjects(maps, array, item, [...path, i]);
    return;
  }
  const map = MAP.exec(type)?.[1];
  if (map !== undefined) {
    if (isObject(value)) for (const [key, item] of Object.entries(value)) yield* typedObjects(maps, map, item, [...path, key]);
    return;
  }
  const fields = maps.fieldsOf(type);
  if (!fields || !isObject(value)) return;
  yield { type, value, path };
  for (const [key, item] of Object.entries(value)) {
    const fieldType = fields.get(key);
    if (fieldType !== undefined) yield* typedObjects(maps, fieldType, item, [...path, key]);
  }
}
