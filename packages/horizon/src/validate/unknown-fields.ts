import type { FieldMaps, FieldPath, TypedObject } from "./builtin-fields.js";
import type { SchemaError } from "./schemas.js";
import { pathToPointer } from "./yaml-locate.js";

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** The known field a misspelt one most likely meant: at most two edits (a third of its length), case ignored. */
function closestField(field: string, known: Iterable<string>): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const distance = editDistance(field.toLowerCase(), name.toLowerCase());
    if (!best || distance < best.distance) best = { name, distance };
  }
  return best && best.distance <= Math.min(2, Math.floor(field.length / 3)) ? best.name : undefined;
}

/** The finding for a field its object's schema does not have, pointing at the field itself. */
export function unknownFieldError(path: FieldPath, known: Iterable<string>): SchemaError {
  const pointer = pathToPointer(path);
  const meant = closestField(String(path.at(-1)), known);
  return { pointer, message: `${pointer} is an unknown field${meant === undefined ? "" : ` (did you mean "${meant}"?)`}` };
}

/**
 * Fields that no definition has, as the API server's strict field validation
 * (`kubectl apply --validate=strict`, the default) refuses them: "unknown
 * field". Fields typed free-form in the OpenAPI (RawExtension, JSON) are not
 * walked into, as the server preserves what is in them.
 */
export function unknownFieldErrors(maps: FieldMaps, objects: Iterable<TypedObject>): SchemaError[] {
  const errors: SchemaError[] = [];
  for (const { type, value, path } of objects) {
    const fields = maps.fieldsOf(type);
    if (!fields) continue;
    for (const key of Object.keys(value)) if (!fields.has(key)) errors.push(unknownFieldError([...path, key], fields.keys()));
  }
  return errors;
}
