import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkBuildContext } from "./dockerfile-context.js";

const repoRoot = resolve(import.meta.dirname, "../../../..");
const SERVICES = ["campaign-service", "notification-service", "payment-service", "trust-service"];
const SERVICE_FILE = "docker/service/Dockerfile";
const MIGRATE_FILE = "docker/db-migrate/Dockerfile";
const real = (file: string) => readFileSync(join(repoRoot, file), "utf8");

/** What the Dockerfiles copy straight from the build context, copied from the repository, with its .dockerignore. */
const root = mkdtempSync(join(tmpdir(), "horizon-context-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
for (const path of ["package.json", "package-lock.json", ".npmrc", ".dockerignore", "docker", "packages/contracts/package.json", "packages/service-kit/package.json", "packages/service-kit/migrations"]) {
  cpSync(join(repoRoot, path), join(root, path), { recursive: true });
}
for (const s of SERVICES) for (const path of ["package.json", "migrations"]) cpSync(join(repoRoot, "services", s, path), join(root, "services", s, path), { recursive: true });

const lineOf = (text: string, needle: string) => text.split("\n").findIndex((l) => l.includes(needle)) + 1;
async function messages(file: string, text = real(file), dockerignore = real(".dockerignore")): Promise<string[]> {
  writeFileSync(join(root, ".dockerignore"), dockerignore);
  return (await checkBuildContext(root, file, text, SERVICES)).map((f) => `${f.line}: ${f.message}`);
}

describe("the build context of our Dockerfiles", () => {
  it("holds everything the two Dockerfiles copy from it, for each service", async () => {
    expect(await messages(SERVICE_FILE)).toEqual([]);
    expect(await messages(MIGRATE_FILE)).toEqual([]);
  });

  it("finds what .dockerignore leaves out: a file the service build needs, migrations db-migrate copies", async () => {
    const line = lineOf(real(SERVICE_FILE), "COPY package.json package-lock.json .npmrc ./");
    expect(await messages(SERVICE_FILE, real(SERVICE_FILE), `${real(".dockerignore")}.npmrc\n`)).toEqual([
      `${line}: COPY .npmrc: .dockerignore leaves .npmrc out of the build context`,
    ]);
    const found = await messages(MIGRATE_FILE, real(MIGRATE_FILE), `${real(".dockerignore")}**/*.sql\n`);
    expect(found).toHaveLength(5);
    expect(found[0]).toMatch(new RegExp(`^${lineOf(real(MIGRATE_FILE), "COPY packages/service-kit/migrations")}: COPY packages/service-kit/migrations: \\.dockerignore leaves packages/service-kit/migrations/\\S+\\.sql and \\d+ more file\\(s\\) out of the build context$`));
  });

  it("finds a source that is not in the repository, for the service it misses", async () => {
    const text = real(SERVICE_FILE).replace("COPY services/${SERVICE}/package.json", "COPY services/${SERVICE}/package.jsonc");
    const line = lineOf(text, "package.jsonc");
    expect(await messages(SERVICE_FILE, text)).toEqual(SERVICES.map((s) => `${line}: COPY services/\${SERVICE}/package.jsonc: services/${s}/package.jsonc is not in the repository (the build context)`));
    const bare = real(SERVICE_FILE).replace("COPY services/${SERVICE}/package.json", "COPY services/$SERVICE/package.jsonc");
    expect(await messages(SERVICE_FILE, bare)).toHaveLength(SERVICES.length);
  });
});
