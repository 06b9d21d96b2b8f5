import { parseArgs, type ParseArgsOptionsConfig } from "node:util";

/**
 * The options of a benchmark or script (`node:util` parseArgs), as a user
 * expects them: `-h`/`--help` prints `usage` and exits 0; an unknown option, a
 * missing value or a positional goes to `fail` (the caller's: it prints
 * `<name>: <what is wrong>` and exits 2), never a stack trace. `positive`
 * reads an option that must be a positive integer, failing the same way.
 */
export function commandLine<const T extends ParseArgsOptionsConfig>(usage: string, options: T, fail: (message: string) => never, args: string[] = process.argv.slice(2)) {
  const parse = () => parseArgs({ args, options: { ...options, help: { type: "boolean", short: "h", default: false } as const } }).values;
  let values: ReturnType<typeof parse>;
  try {
    values = parse();
  } catch (error) {
    // parseArgs names the option in its message (unknown option, missing value).
    return fail(`${error instanceof Error ? error.message : String(error)} (--help lists the options)`);
  }
  if ((values as { help?: boolean }).help) {
    console.log(usage);
    process.exit(0);
  }
  const positive = (option: string, raw: string | undefined): number => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1) fail(`--${option} must be a positive integer, not ${raw}`);
    return n;
  };
  return { values, positive };
}
