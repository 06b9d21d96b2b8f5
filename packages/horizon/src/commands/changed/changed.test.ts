import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { main } from "../../cli.js";
import { gitText } from "../../io/git.js";
import { runChanged } from "./index.js";

const env = {
  GIT_AUTHOR_NAME: "Test",
  GIT_AUTHOR_EMAIL: "test@example.com",
  GIT_COMMITTER_NAME: "Test",
  GIT_COMMITTER_EMAIL: "test@example.com",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
};
let repo: string;
const run = (...args: string[]) => gitText(args, { cwd: repo, env });

async function write(files: Record<string, string>): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(repo, path)), { recursive: true });
    await writeFile(join(repo, path), text);
  }
}

/** Commits `files` on top of `parent` (detached) and returns the new commit. */
async function commitOn(parent: string, files: Record<string, string>): Promise<string> {
  await run("checkout", "--quiet", "--detach", parent);
  await write(files);
  await run("add", "--all");
  await run("commit", "--quiet", "-m", `change ${Object.keys(files).join(", ")}`);
  return run("rev-parse", "HEAD");
}

const pkg = (name: string, deps: Record<string, string> = {}, devDeps: Record<string, string> = {}) =>
  JSON.stringify({ name, version: "1.0.0", dependencies: deps, devDependencies: devDeps }, null, 2);

let base: string;
beforeAll(async () => {
  repo = await mkdtemp(join(tmpdir(), "horizon-changed-"));
  await run("init", "--quiet", "--initial-branch=main");
  await write({
    "package.json": JSON.stringify({ name: "root", private: true, workspaces: ["packages/*", "services/*"] }),
    "package-lock.json": "{}\n",
    "tsconfig.base.json": "{}\n",
    "README.md": "# repo\n",
    "docs/runbook.md": "# runbook\n",
    "deploy/base/campaign-service/deployment.yaml": "kind: Deployment\n",
    "packages/contracts/package.json": pkg("@bh/contracts"),
    "packages/contracts/src/money.ts": "export {};\n",
    "packages/service-kit/package.json": pkg("@bh/service-kit", { "@bh/contracts": "*", zod: "^4" }),
    "packages/tooling/package.json": pkg("@bh/tooling"),
    "services/campaign-service/package.json": pkg("@bh/campaign-service", { "@bh/service-kit": "*" }),
    "services/payment-service/package.json": pkg("@bh/payment-service", {}, { "@bh/contracts": "*" }),
    "services/notification-service/package.json": pkg("@bh/notification-service", { "@bh/service-kit": "*" }),
    "services/trust-service/package.json": pkg("@bh/trust-service", { fastify: "^5" }),
    "services/trust-service/src/app.ts": "export {};\n",
  });
  await run("add", "--all");
  await run("commit", "--quiet", "-m", "base");
  base = await run("rev-parse", "HEAD");
});
afterAll(async () => {
  await rm(repo, { recursive: true, force: true });
});

async function changed(baseRef: string, head: string): Promise<{ services: string[]; warnings: string }> {
  let warnings = "";
  const services = await runChanged({ base: baseRef, head }, { cwd: repo, write: () => undefined, warn: (text) => (warnings += text) });
  return { services, warnings };
}

describe("horizon changed on real git history", () => {
  it("a change to one service affects that service only", async () => {
    const head = await commitOn(base, { "services/trust-service/src/app.ts": "export const x = 1;\n" });
    expect((await changed(base, head)).services).toEqual(["trust-service"]);
  });

  it("a change to a shared package affects every service depending on it, transitively and through devDependencies", async () => {
    const head = await commitOn(base, { "packages/contracts/src/money.ts": "export const y = 2;\n" });
    expect((await changed(base, head)).services).toEqual(["campaign-service", "notification-service", "payment-service"]);
  });

  it("a package nobody depends on affects no service", async () => {
    const head = await commitOn(base, { "packages/tooling/index.js": "export {};\n" });
    expect((await changed(base, head)).services).toEqual([]);
  });

  it("a lockfile change affects all services", async () => {
    const head = await commitOn(base, { "package-lock.json": '{"lockfileVersion":3}\n' });
    expect((await changed(base, head)).services).toEqual(["campaign-service", "notification-service", "payment-service", "trust-service"]);
  });

  it("documentation and deploy manifests alone affect none", async () => {
    const head = await commitOn(base, {
      "README.md": "# repo, better\n",
      "docs/runbook.md": "# runbook v2\n",
      "services/campaign-service/README.md": "# campaign\n",
      "deploy/base/campaign-service/deployment.yaml": "kind: Deployment # edited\n",
    });
    expect((await changed(base, head)).services).toEqual([]);
  });

  it("counts only head's side when base is not an ancestor of head (merge-base semantics)", async () => {
    const side = await commitOn(base, { "services/payment-service/src/pay.ts": "export {};\n" });
    const head = await commitOn(base, { "services/campaign-service/src/app.ts": "export {};\n" });
    expect((await changed(side, head)).services).toEqual(["campaign-service"]);
  });

  it("sees a service added by the change, reading workspaces at head", async () => {
    const head = await commitOn(base, { "services/search-service/package.json": pkg("@bh/search-service"), "services/search-service/src/a.ts": "" });
    expect((await changed(base, head)).services).toEqual(["search-service"]);
  });

  it("compares trees directly, with a warning, when the histories are unrelated", async () => {
    // The same tree as base but no shared history: only the file edited below differs.
    await run("checkout", "--quiet", "--detach", base);
    await run("checkout", "--quiet", "--orphan", "unrelated");
    await write({ "services/trust-service/src/app.ts": "export const other = 1;\n" });
    await run("add", "--all");
    await run("commit", "--quiet", "-m", "unrelated root");
    const orphan = await run("rev-parse", "HEAD");
    const result = await changed(base, orphan);
    expect(result.services).toEqual(["trust-service"]);
    expect(result.warnings).toContain("no common ancestor");
  });

  it("treats GitHub's null 'before' commit (a new branch) as affecting every service", async () => {
    const result = await changed("0".repeat(40), base);
    expect(result.services).toHaveLength(4);
    expect(result.warnings).toContain("null commit");
  });
});

describe("horizon changed through the CLI", () => {
  async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = "";
    let stderr = "";
    const out = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => ((stdout += String(chunk)), true));
    const err = vi.spyOn(process.stderr, "write").mockImplementation((chunk) => ((stderr += String(chunk)), true));
    const cwd = vi.spyOn(process, "cwd").mockReturnValue(repo);
    try {
      return { code: await main(["node", "horizon", "changed", ...args]), stdout, stderr };
    } finally {
      out.mockRestore();
      err.mockRestore();
      cwd.mockRestore();
    }
  }

  it("prints a JSON array for a GitHub Actions matrix, and one name per line for people", async () => {
    const head = await commitOn(base, { "packages/service-kit/src/x.ts": "export {};\n" });
    expect(await cli("--base", base, "--head", head, "--json")).toMatchObject({ code: 0, stdout: '["campaign-service","notification-service"]\n' });
    expect(await cli("--base", base, "--head", head)).toMatchObject({ code: 0, stdout: "campaign-service\nnotification-service\n" });
  });

  it("exits 2 naming a ref that does not exist", async () => {
    const { code, stderr } = await cli("--base", "origin/no-such-branch");
    expect(code).toBe(2);
    expect(stderr).toContain("--base origin/no-such-branch: no such commit");
  });

  it("exits 2 without --base", async () => {
    const { code, stderr } = await cli();
    expect(code).toBe(2);
    expect(stderr).toContain("--base <ref>");
  });
});
