import { labelKeyProblem, labelValueProblem } from "../core/label-syntax.js";
import type { TypedObject } from "./builtin-fields.js";
import type { SchemaError } from "./schemas.js";
import { pathToPointer } from "./yaml-locate.js";

/**
 * Where the API server checks label syntax (ValidateLabels): every
 * ObjectMeta's labels (the object's, its pod template's, ...), every
 * LabelSelector's matchLabels, and the plain selectors of Services and
 * ReplicationControllers.
 */
const LABEL_MAPS: Readonly<Record<string, string>> = {
  V1ObjectMeta: "labels",
  V1LabelSelector: "matchLabels",
  V1ServiceSpec: "selector",
  V1ReplicationControllerSpec: "selector",
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** `where` says where in words: a label key's "/" would read as "~1" in a JSON pointer. */
const labelError = (path: readonly (string | number)[], problem: string, where = pathToPointer(path)): SchemaError => ({
  pointer: pathToPointer(path),
  message: `${where}: ${problem}`,
  check: "labels",
});

/** Label keys and values that Kubernetes refuses, each at its own field. */
export function labelErrors(objects: Iterable<TypedObject>): SchemaError[] {
  const errors: SchemaError[] = [];
  for (const { type, value, path } of objects) {
    const field = LABEL_MAPS[type];
    const labels = field === undefined ? undefined : value[field];
    if (field !== undefined && isObject(labels)) {
      for (const [key, label] of Object.entries(labels)) {
        const at = pathToPointer([...path, field]);
        const keyProblem = labelKeyProblem(key);
        if (keyProblem) errors.push(labelError([...path, field, key], keyProblem, at));
        const valueProblem = typeof label === "string" ? labelValueProblem(label) : undefined;
        if (valueProblem) errors.push(labelError([...path, field, key], valueProblem, `${at}, label '${key}'`));
      }
    }
    if (type === "V1LabelSelectorRequirement") {
      const keyProblem = typeof value.key === "string" ? labelKeyProblem(value.key) : undefined;
      if (keyProblem) errors.push(labelError([...path, "key"], keyProblem));
      if (Array.isArray(value.values)) {
        value.values.forEach((v, i) => {
          const problem = typeof v === "string" ? labelValueProblem(v) : undefined;
          if (problem) errors.push(labelError([...path, "values", i], problem));
        });
      }
    }
  }
  return errors;
}
