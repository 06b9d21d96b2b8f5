import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/**
 * The one service layout (README "A service's layout"), checked on every
 * folder of services/: a file elsewhere, or a piece of wiring in another
 * place, fails here with the file named.
 */
const servicesDir = fileURLToPath(new URL("../../../services", import.meta.url));
const services = readdirSync(servicesDir).filter((name) => existsSync(join(servicesDir, name, "package.json")));

const TOP_FILES = ["server.ts", "main.ts", "app.ts", "config.ts", "flags.ts"];
const REQUIRED_FILES = ["server.ts", "main.ts", "app.ts", "config.ts"];
const FOLDERS = ["routes", "consumers", "service", "domain", "db", "clients"];
const REQUIRED_FOLDERS = ["routes", "domain", "db"];

function filesOf(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split("\\").join("/"))
    .sort();
}

/** Where a file of src/ may not stand, or undefined when the layout has a place for it. */
function misplaced(file: string): string | undefined {
  const parts = file.split("/");
  if (!file.endsWith(".ts")) return "not a TypeScript file";
  if (parts.length === 1) return TOP_FILES.includes(file) ? undefined : `src/ holds only ${TOP_FILES.join(", ")}`;
  if (parts.length > 2) return "one folder deep at most";
  return FOLDERS.includes(parts[0] ?? "") ? undefined : `not a folder of the layout (${FOLDERS.join(", ")})`;
}

const withoutComments = (source: string) => source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");

describe("the layout rule itself", () => {
  it("places the files of the layout and refuses others", () => {
    expect(["server.ts", "routes/read.ts", "domain/rules.test.ts", "consumers/totals.ts"].map(misplaced)).toEqual([undefined, undefined, undefined, undefined]);
    expect(misplaced("events.ts")).toContain("src/ holds only");
    expect(misplaced("dispatch/dispatcher.ts")).toContain("not a folder of the layout");
    expect(misplaced("routes/v1/read.ts")).toBe("one folder deep at most");
  });
});

describe.each(services)("%s follows the service layout", (service) => {
  const src = join(servicesDir, service, "src");
  const files = filesOf(src);
  const sources = files.filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"));
  const read = (file: string) => readFileSync(join(src, file), "utf8");

  it("keeps every file of src/ in its place", () => {
    expect(files.map((file) => ({ file, problem: misplaced(file) })).filter((f) => f.problem !== undefined)).toEqual([]);
    expect(REQUIRED_FILES.filter((f) => !files.includes(f))).toEqual([]);
    expect(REQUIRED_FOLDERS.filter((d) => !files.some((f) => f.startsWith(`${d}/`)))).toEqual([]);
  });

  it("has a server.ts that only runs main.ts's startService", () => {
    expect(withoutComments(read("server.ts")).replace(/\s+/g, " ").trim()).toBe(
      'import { runMain } from "@blessed-horizon/service-kit"; import { startService } from "./main.js"; await runMain(startService);',
    );
  });

  it("names itself once, in config.ts, and reads its settings only through the kit's config schema", () => {
    const naming = sources.filter((f) => /\bSERVICE_NAME\s*=/.test(read(f)));
    expect(naming).toEqual(["config.ts"]);
    expect(read("config.ts")).toContain(`SERVICE_NAME = "${service}"`);
    expect(read("config.ts")).toMatch(/baseConfigSchema\s*\.extend\(/);
    const readingEnv = sources.filter((f) => /process\.env|\boptions\.env\b|\bloadConfig\(/.test(read(f)));
    expect(readingEnv).toEqual([]);
  });

  it("boots in main.ts and wires its events in app.ts, through the kit's plugin", () => {
    expect(read("main.ts")).toMatch(/\bbootService\(/);
    expect(read("app.ts")).toMatch(/export async function buildApp\(/);
    expect(sources.filter((f) => read(f).includes("eventsPlugin"))).toEqual(["app.ts"]);
    const ownWiring = sources.filter((f) => /\b(startOutboxRelay|subscribeDomainEvents|createEventBus)\b/.test(read(f)));
    expect(ownWiring).toEqual([]);
  });

  it("takes the shared types from the kit instead of declaring them again", () => {
    const declared = sources.filter((f) => /FastifyInstance<|\btype (Queryable|WriteEvent|Transactor)\s*=|\binterface (Queryable|WriteEvent)\b|as unknown as/.test(read(f)));
    expect(declared).toEqual([]);
  });
});
