import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createManifestsRepo, removeAll, run, useTestGitEnv } from "../../../test/fixtures/manifests-helpers/repo.js";
import { ExitCode, ExitError } from "../../errors.js";
import { runPromote } from "./promote.js";
import type { CommandContext } from "../cli-support.js";

// Issue 11: `promote --version` must only write label values Kubernetes
// accepts (k8s.io/apimachinery/pkg/util/validation/validation.go,
// IsValidLabelValue); `kubectl label --local` refuses 1.4.0+build.7.

const repos: string[] = [];
const context: CommandContext = { cwd: "/", write: () => undefined };
const promote = (dir: string, version: string) =>
  runPromote({ manifests: dir, from: "staging", to: "production", service: ["payment-service"], version }, context);

beforeAll(() => useTestGitEnv());
afterAll(() => removeAll(...repos));

async function repo(): Promise<string> {
  const dir = await createManifestsRepo("plain");
  repos.push(dir);
  return dir;
}

describe("release promote --version obeys Kubernetes label syntax", () => {
  it.each([
    ["1.4.0+build.7", "'+' is not allowed"],
    ["_1.4.0", "it must start and end with a letter or digit"],
    ["1.4.0-", "it must start and end with a letter or digit"],
    ["1.4.0.", "it must start and end with a letter or digit"],
    [`1.4.0-${"a".repeat(58)}`, "it is 64 characters"],
  ])("refuses %j with exit 2, committing nothing", async (version, reason) => {
    const dir = await repo();
    const head = await run(dir, "rev-parse", "HEAD");
    const error = await promote(dir, version).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExitError);
    expect((error as ExitError).exitCode).toBe(ExitCode.Usage);
    expect((error as ExitError).message).toContain(`--version "${version}"`);
    expect((error as ExitError).message).toContain(`is not a valid Kubernetes label value: ${reason}`);
    // The message must not advertise '+' as allowed any more.
    expect((error as ExitError).message).toContain("only letters, digits, '-', '_' and '.'");
    expect(await run(dir, "rev-parse", "HEAD")).toBe(head);
    expect(await run(dir, "status", "--porcelain")).toBe("");
  });

  it("commits a version Kubernetes accepts (1.4.0-build.7, 63 characters)", async () => {
    for (const version of ["1.4.0-build.7", `1.4.0-${"a".repeat(57)}`]) {
      const dir = await repo();
      expect((await promote(dir, version)).status).toBe("committed");
      expect(readFileSync(join(dir, "environments/production/payment-service/deployment.yaml"), "utf8")).toContain(`app.kubernetes.io/version: "${version}"`);
    }
  });
});
