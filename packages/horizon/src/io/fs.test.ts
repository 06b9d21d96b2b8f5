import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ExitCode, ExitError } from "../errors.js";
import { readUserFile, writeFileAtomic } from "./fs.js";

const dir = mkdtempSync(join(tmpdir(), "horizon-fs-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const failure = (promise: Promise<unknown>): Promise<ExitError> =>
  promise.then(
    () => expect.fail("expected a rejection"),
    (error: unknown) => {
      expect(error).toBeInstanceOf(ExitError);
      return error as ExitError;
    },
  );

describe("io/fs", () => {
  it("a file the user named that is not there is bad input: exit 2, naming it", async () => {
    const error = await failure(readUserFile(join(dir, "missing.json"), "gates file"));
    expect(error.exitCode).toBe(ExitCode.Usage);
    expect(error.message).toBe(`cannot read gates file ${join(dir, "missing.json")}: no such file`);
  });

  it("a path that cannot hold the file is bad input: exit 2, naming it; the old file stays whole", async () => {
    const out = join(dir, "report.json");
    writeFileSync(out, "old\n");
    const noFolder = await failure(writeFileAtomic(join(dir, "no-such-folder", "report.json"), "{}\n", "JSON output"));
    expect(noFolder.exitCode).toBe(ExitCode.Usage);
    expect(noFolder.message).toBe(`cannot write JSON output ${join(dir, "no-such-folder", "report.json")}: no such file`);
    mkdirSync(join(dir, "in-the-way", "child"), { recursive: true });
    expect((await failure(writeFileAtomic(join(dir, "in-the-way"), "{}\n", "JSON output"))).exitCode).toBe(ExitCode.Usage);
    expect(readFileSync(out, "utf8")).toBe("old\n");
    expect(readdirSync(dir).sort()).toEqual(["in-the-way", "report.json"]);
  });

  it("a write the file system refuses at a good path is an external failure: exit 3 (README: exit codes), naming the file", async () => {
    // sysfs refuses new files, to root too.
    const refused = await failure(writeFileAtomic("/sys/horizon-report.json", "{}\n", "JSON output"));
    expect(refused.exitCode).toBe(ExitCode.External);
    expect(refused.message).toBe("cannot write JSON output /sys/horizon-report.json: permission denied");
  });
});
