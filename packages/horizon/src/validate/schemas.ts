import { readFile } from "node:fs/promises";
import { Ajv } from "ajv";
import type { ErrorObject, ValidateFunction } from "ajv";
import { parseAllDocuments } from "yaml";
import { loadFieldMaps, OBJECT_META, typedObjects } from "./builtin-fields.js";
import type { FieldMaps } from "./builtin-fields.js";
import { labelErrors } from "./label-errors.js";
import { unknownFieldError, unknownFieldErrors } from "./unknown-fields.js";
import { pointerToPath } from "./yaml-locate.js";

/** A violation at a JSON pointer inside the object. */
export interface SchemaError {
  pointer: string;
  message: string;
  /** The check that finds it (a finding's `check`); "schema" when absent. */
  check?: string;
}

/** Validates one object of a known apiVersion/kind; `undefined` when no schema is known. */
export type ObjectValidator = (object: Record<string, unknown>) => SchemaError[];

type ModelClass = new (data: unknown) => { validate(): void };
type ModelModule = Record<string, unknown>;

/**
 * The Kubernetes, Argo CD, Prometheus Operator and External Secrets schemas,
 * as kubernetes-models ships them (generated from each project's OpenAPI
 * schema and CRDs). Loaded on first use: the modules are large.
 */
const MODEL_MODULES: Record<string, () => Promise<ModelModule>> = {
  v1: () => import("kubernetes-models/v1"),
  "apps/v1": () => import("kubernetes-models/apps/v1"),
  "batch/v1": () => import("kubernetes-models/batch/v1"),
  "autoscaling/v2": () => import("kubernetes-models/autoscaling/v2"),
  "policy/v1": () => import("kubernetes-models/policy/v1"),
  "networking.k8s.io/v1": () => import("kubernetes-models/networking.k8s.io/v1"),
  "rbac.authorization.k8s.io/v1": () => import("kubernetes-models/rbac.authorization.k8s.io/v1"),
  "argoproj.io/v1alpha1": () => import("@kubernetes-models/argo-cd/argoproj.io/v1alpha1"),
  "monitoring.coreos.com/v1": () => import("@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1"),
  "external-secrets.io/v1": () => import("@kubernetes-models/external-secrets/external-secrets.io/v1"),
};

interface ModelError {
  instancePath?: string;
  message?: string;
  params?: Record<string, unknown>;
  parentSchema?: { properties?: Record<string, unknown> };
}

function describeAjvError(e: ModelError | ErrorObject): SchemaError {
  const params = (e.params ?? {}) as Record<string, unknown>;
  const pointer = e.instancePath ?? "";
  if (typeof params.additionalProperty === "string") {
    // In the same words as the built-in kinds' unknown fields, at the field's own line.
    const known = Object.keys((e.parentSchema as ModelError["parentSchema"])?.properties ?? {});
    return unknownFieldError([...pointerToPath(pointer), params.additionalProperty], known);
  }
  const extra = Array.isArray(params.allowedValues) ? ` (one of ${params.allowedValues.map(String).join(", ")})` : "";
  return { pointer, message: `${pointer || "/"} ${e.message ?? "is invalid"}${extra}` };
}

function modelValidator(Model: ModelClass): ObjectValidator {
  return (object) => {
    try {
      new Model(object).validate();
      return [];
    } catch (error) {
      const errors = (error as { errors?: ModelError[] }).errors;
      if (Array.isArray(errors) && errors.length > 0) return errors.map(describeAjvError);
      return [{ pointer: "", message: error instanceof Error ? error.message : String(error) }];
    }
  };
}

/**
 * Like the API server's structural schemas with strict field validation
 * (kubectl's default since 1.27): an object schema that lists its properties
 * and neither allows additional ones nor preserves unknown fields rejects
 * fields it does not know.
 */
function strictify(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(strictify);
  if (!schema || typeof schema !== "object") return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) out[k] = strictify(v);
  if (out.properties && out.additionalProperties === undefined && out["x-kubernetes-preserve-unknown-fields"] !== true) {
    out.additionalProperties = false;
  }
  return out;
}

/**
 * A CRD's schema made strict everywhere but in `metadata`: the API server
 * treats a custom resource's metadata as an ObjectMeta whatever the CRD says
 * of it, and so does `strictly` below.
 */
function strictCrdSchema(schema: Record<string, unknown>): object {
  const strict = strictify(schema) as Record<string, unknown>;
  const properties = schema.properties as Record<string, unknown> | undefined;
  if (properties?.metadata !== undefined) strict.properties = { ...(strict.properties as object), metadata: properties.metadata };
  return strict;
}

interface CrdVersion {
  name: string;
  schema?: { openAPIV3Schema?: Record<string, unknown> };
}
interface Crd {
  kind?: string;
  spec?: { group?: string; names?: { kind?: string }; versions?: CrdVersion[] };
}

/** Compiles the openAPIV3Schema of every CustomResourceDefinition in a file (e.g. Flagger's). */
export async function crdValidators(file: string): Promise<Map<string, ObjectValidator>> {
  // verbose: an unknown field's error carries the schema, whose fields name the one probably meant.
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, verbose: true });
  const validators = new Map<string, ObjectValidator>();
  for (const doc of parseAllDocuments(await readFile(file, "utf8"))) {
    const crd = doc.toJS() as Crd | null;
    if (crd?.kind !== "CustomResourceDefinition" || !crd.spec?.group || !crd.spec.names?.kind) continue;
    for (const version of crd.spec.versions ?? []) {
      const schema = version.schema?.openAPIV3Schema;
      if (!schema) continue;
      // Compiled on first use: most runs meet only one or two of a file's kinds.
      let validate: ValidateFunction | undefined;
      validators.set(`${crd.spec.group}/${version.name}|${crd.spec.names.kind}`, (object) => {
        validate ??= ajv.compile(strictCrdSchema(schema));
        return validate(object) ? [] : (validate.errors ?? []).map(describeAjvError);
      });
    }
  }
  return validators;
}

/**
 * Adds what kubernetes-models and CRD schemas leave out, from the upstream
 * OpenAPI definitions: unknown fields of built-in kinds (kubernetes-models
 * checks types only), unknown fields of every object's metadata, and label
 * syntax wherever labels and selectors are.
 */
function strictly(validate: ObjectValidator, maps: FieldMaps, apiVersion: string, kind: string): ObjectValidator {
  const root = maps.rootTypeOf(apiVersion, kind);
  return (object) => {
    const objects = [...(root ? typedObjects(maps, root, object) : typedObjects(maps, OBJECT_META, object.metadata, ["metadata"]))];
    return [...validate(object), ...unknownFieldErrors(maps, objects), ...labelErrors(objects)];
  };
}

/** Finds the validator for an object's apiVersion and kind, loading its schema module on first use. */
export class SchemaRegistry {
  private readonly cache = new Map<string, ObjectValidator | undefined>();
  constructor(private readonly crds: Map<string, ObjectValidator>) {}

  async validatorFor(apiVersion: string, kind: string): Promise<ObjectValidator | undefined> {
    const key = `${apiVersion}|${kind}`;
    if (this.cache.has(key)) return this.cache.get(key);
    let validator = this.crds.get(key);
    const load = MODEL_MODULES[apiVersion];
    if (!validator && load) {
      const Model = (await load())[kind];
      if (typeof Model === "function") validator = modelValidator(Model as ModelClass);
    }
    if (validator) validator = strictly(validator, await loadFieldMaps(), apiVersion, kind);
    this.cache.set(key, validator);
    return validator;
  }
}
