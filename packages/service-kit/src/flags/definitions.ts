/** The value types a flag can have (flagd variants are JSON; the kit types the three scalars). */
export type FlagType = "boolean" | "number" | "string";

/**
 * A flag a service declares in code: its key in the flags file, its type and
 * the value it has when the file is unset, missing, invalid, lacks the flag,
 * or gives a value of another type (the coded default).
 */
export interface FlagDefinition<T extends boolean | number | string = boolean | number | string> {
  readonly key: string;
  readonly type: FlagType;
  readonly defaultValue: T;
  /** What it switches, for logs and the README. */
  readonly description: string;
  /** Values the service accepts; any other value the file gives is treated like a type mismatch. */
  // Method syntax: a FlagDefinition<number> is usable where any flag is expected.
  accepts?(value: T): boolean;
}

export function booleanFlag(key: string, defaultValue: boolean, description: string): FlagDefinition<boolean> {
  return { key, type: "boolean", defaultValue, description };
}

export interface NumberFlagOptions {
  min?: number;
  max?: number;
  integer?: boolean;
}

export function numberFlag(key: string, defaultValue: number, description: string, options: NumberFlagOptions = {}): FlagDefinition<number> {
  const { min = -Infinity, max = Infinity, integer = false } = options;
  const accepts = (value: number) => Number.isFinite(value) && value >= min && value <= max && (!integer || Number.isInteger(value));
  if (!accepts(defaultValue)) throw new RangeError(`flag ${key}: the coded default ${defaultValue} is outside its own bounds`);
  return { key, type: "number", defaultValue, description, accepts };
}

/** A string flag limited to `values` (e.g. a channel name), typed as their union. */
export function stringFlag<const V extends string>(key: string, defaultValue: NoInfer<V>, description: string, values: readonly V[]): FlagDefinition<V> {
  if (!values.includes(defaultValue)) throw new RangeError(`flag ${key}: the coded default ${defaultValue} is not one of ${values.join(", ")}`);
  return { key, type: "string", defaultValue, description, accepts: (value) => values.includes(value) };
}
