import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkImageBuilds, matrixCombinations } from "./workflows-images.js";

const repoRoot = resolve(import.meta.dirname, "../../../..");
const SERVICES = ["campaign-service", "notification-service", "payment-service", "trust-service"];
const CI = ".github/workflows/ci.yml";
const BOOTSTRAP = ".github/workflows/bootstrap-images.yml";

/** The two Dockerfiles, as in the repository, in a folder of their own. */
const root = mkdtempSync(join(tmpdir(), "horizon-images-"));
cpSync(join(repoRoot, "docker"), join(root, "docker"), { recursive: true });
afterAll(() => rmSync(root, { recursive: true, force: true }));

const real = (file: string) => readFileSync(join(repoRoot, file), "utf8");
const lineOf = (text: string, needle: string) => text.split("\n").findIndex((l) => l.includes(needle)) + 1;
const messages = (file: string, text: string, services = SERVICES) => checkImageBuilds(root, file, text, services).map((f) => `${f.line}: ${f.message}`);
function planted(file: string, from: string, to: string): string {
  const text = real(file);
  if (!text.includes(from)) throw new Error(`test setup: ${from} not in ${file}`);
  return text.replace(from, to);
}

describe("image builds in workflows", () => {
  it("the repository's CI and bootstrap workflows build each service from the one Dockerfile with SERVICE set", () => {
    expect(messages(CI, real(CI))).toEqual([]);
    expect(messages(BOOTSTRAP, real(BOOTSTRAP))).toEqual([]);
  });

  it("finds a build of a per-service Dockerfile, as CI and bootstrap had before the one Dockerfile", () => {
    const text = planted(CI, "file: docker/service/Dockerfile", "file: services/${{ matrix.service }}/Dockerfile");
    // The old ci.yml: the file is known only at run time, from horizon plan's list.
    expect(messages(CI, text)).toEqual([
      `${lineOf(text, "file: services/")}: cannot tell which Dockerfile services/\${{ matrix.service }}/Dockerfile is: name it, or take it from the matrix`,
    ]);
    const bootstrap = planted(BOOTSTRAP, "{ image: trust-service, dockerfile: docker/service/Dockerfile }", "{ image: trust-service, dockerfile: services/trust-service/Dockerfile }");
    expect(messages(BOOTSTRAP, bootstrap)).toEqual([
      `${lineOf(bootstrap, "file: ${{ matrix.dockerfile }}")}: services/trust-service/Dockerfile does not exist (every service is built from one Dockerfile with --build-arg SERVICE=<service>)`,
    ]);
  });

  it("finds a build of the service Dockerfile that sets no SERVICE", () => {
    const text = planted(CI, "            SERVICE=${{ matrix.service }}\n", "");
    expect(messages(CI, text)).toEqual([
      `${lineOf(text, "build-args: |")}: builds docker/service/Dockerfile without SERVICE: add SERVICE=<a folder under services/> to build-args`,
    ]);
  });

  it("finds a SERVICE that names no service workspace, and a service the bootstrap matrix leaves out", () => {
    const typo = planted(BOOTSTRAP, "{ image: payment-service,", "{ image: payments-service,");
    const line = lineOf(typo, "build-args: |");
    expect(messages(BOOTSTRAP, typo)).toEqual([
      `${line}: SERVICE=payments-service is not a service workspace (no services/payments-service/package.json)`,
      `${lineOf(typo, "matrix:")}: job image builds service images but not payment-service`,
    ]);
    expect(messages(BOOTSTRAP, real(BOOTSTRAP), [...SERVICES, "ledger-service"])).toEqual([`${lineOf(real(BOOTSTRAP), "matrix:")}: job image builds service images but not ledger-service`]);
  });

  it("cannot tell a Dockerfile computed in a shell step, and says so", () => {
    const text = planted(BOOTSTRAP, "file: ${{ matrix.dockerfile }}", "file: ${{ steps.meta.outputs.dockerfile }}");
    expect(messages(BOOTSTRAP, text)).toEqual([
      `${lineOf(text, "file: ${{ steps.meta")}: cannot tell which Dockerfile \${{ steps.meta.outputs.dockerfile }} is: name it, or take it from the matrix`,
    ]);
  });
});

// GitHub's "Expanding or adding matrix configurations" example (docs.github.com, Using a matrix for your jobs).
describe("matrixCombinations", () => {
  it("merges include entries into the combinations whose original values they keep, else adds them", () => {
    const combos = matrixCombinations({
      fruit: ["apple", "pear"],
      animal: ["cat", "dog"],
      include: [{ color: "green" }, { color: "pink", animal: "cat" }, { fruit: "apple", shape: "circle" }, { fruit: "banana" }, { fruit: "banana", animal: "cat" }],
    });
    expect(combos).toEqual([
      { fruit: "apple", animal: "cat", color: "pink", shape: "circle" },
      { fruit: "apple", animal: "dog", color: "green", shape: "circle" },
      { fruit: "pear", animal: "cat", color: "pink" },
      { fruit: "pear", animal: "dog", color: "green" },
      { fruit: "banana" },
      { fruit: "banana", animal: "cat" },
    ]);
  });

  it("takes an include-only matrix entry by entry, removes excluded combinations, and leaves a run-time list unknown", () => {
    expect(matrixCombinations({ include: [{ a: "1" }, { a: "2" }] })).toEqual([{ a: "1" }, { a: "2" }]);
    expect(matrixCombinations({ os: ["linux", "mac"], node: [22, 24], exclude: [{ os: "mac", node: 22 }] })).toEqual([
      { os: "linux", node: "22" },
      { os: "linux", node: "24" },
      { os: "mac", node: "24" },
    ]);
    expect(matrixCombinations({ service: "${{ fromJSON(needs.changes.outputs.services) }}" })).toEqual([{ service: undefined }]);
  });
});

