import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { lintServiceDockerfile } from "./dockerfile-service.js";

const FILE = "docker/service/Dockerfile";
const REAL = readFileSync(resolve(import.meta.dirname, "../../../..", FILE), "utf8");
const lineOf = (text: string, needle: string): number => text.split("\n").findIndex((l) => l.includes(needle)) + 1;
const messages = (text: string) => lintServiceDockerfile(text, FILE).map((f) => `${f.line}: ${f.message}`);

function planted(from: string, to: string): string {
  if (!REAL.includes(from)) throw new Error(`test setup: ${from} not in ${FILE}`);
  return REAL.replace(from, to);
}

describe("the one service Dockerfile", () => {
  it("the repository's builds each service from SERVICE", () => {
    expect(messages(REAL)).toEqual([]);
  });

  it("finds a stage that uses SERVICE without declaring it, where it is empty", () => {
    const text = planted("FROM base AS deps\nARG SERVICE\n", "FROM base AS deps\n");
    const line = lineOf(text, "COPY services/${SERVICE}/package.json");
    expect(messages(text)).toContain(`${line}: uses SERVICE in a stage that does not declare it (it is empty there): add ARG SERVICE to the stage`);
    expect(messages(text)).toHaveLength(2); // the COPY and the RUN after it
  });

  it("finds a service folder named outright, which would go into every service's image", () => {
    const text = planted("COPY --from=build /app/services/${SERVICE}/dist services/${SERVICE}/dist", "COPY --from=build /app/services/campaign-service/dist services/${SERVICE}/dist");
    const line = lineOf(text, "/app/services/campaign-service/dist");
    expect(messages(text)).toEqual([`${line}: names services/campaign-service: write services/\${SERVICE}, so that this one Dockerfile builds each service`]);
  });

  it("finds a final stage that copies nothing of the service", () => {
    const text = REAL.split("\n").filter((l) => !l.startsWith("COPY --from=build /app/services/")).join("\n");
    expect(messages(text)).toEqual([`${lineOf(text, "AS runtime")}: the final stage copies nothing from services/\${SERVICE}/: the image would hold no service`]);
  });

  it("leaves a Dockerfile that takes no SERVICE (db-migrate's copies each service's migrations by name) to the other rules", () => {
    const migrate = readFileSync(resolve(import.meta.dirname, "../../../..", "docker/db-migrate/Dockerfile"), "utf8");
    expect(lintServiceDockerfile(migrate, "docker/db-migrate/Dockerfile")).toEqual([]);
  });
});
