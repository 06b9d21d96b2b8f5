import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { CheckFailedError } from "../../errors.js";
import { manifestsFolder, runValidate } from "./index.js";

const deploy = fileURLToPath(new URL("../../../../../deploy", import.meta.url));

describe("horizon validate on the k8s-manifests repo layout (deploy/'s content at the root)", () => {
  const dirs: string[] = [];
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  });

  async function manifestsRepo(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), "horizon-manifests-"));
    dirs.push(dir);
    await cp(deploy, dir, { recursive: true });
    return dir;
  }

  const quiet = { write: () => undefined, warn: () => undefined };

  it("finds the manifests at the root and checks every object in them", async () => {
    const root = await manifestsRepo();
    expect(manifestsFolder(root)).toBe(".");
    const report = await runValidate({ root }, { cwd: root, ...quiet });
    expect(report.findings).toEqual([]);
    expect(report.checked.objects).toBeGreaterThan(30);
  });

  it("catches a wrong field type there too", async () => {
    const root = await manifestsRepo();
    const file = join(root, "base", "campaign-service", "deployment.yaml");
    await writeFile(file, (await readFile(file, "utf8")).replace(/replicas: \d+/, 'replicas: "two"'));
    let output = "";
    const run = runValidate({ root }, { cwd: root, write: (t) => (output += t), warn: () => undefined });
    await expect(run).rejects.toBeInstanceOf(CheckFailedError);
    expect(output).toContain("base/campaign-service/deployment.yaml");
  });
});
