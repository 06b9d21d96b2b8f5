import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createManifestsRepo, hasSshKeygen, removeAll, run, tempDir, TEST_GIT_ENV, useTestGitEnv } from "../../../test/fixtures/manifests-helpers/repo.js";
import { runHistory } from "./history.js";
import { runSetImage } from "./set-image.js";


describe.skipIf(!hasSshKeygen)("release commits go through the user's git config (ssh-keygen needed for SSH signing)", () => {
  let dir = "";
  let keys = "";
  beforeAll(async () => {
    useTestGitEnv();
    dir = await createManifestsRepo("kustomize");
    keys = tempDir("keys");
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(keys, "id"), "-C", "release-bot"]);
    const publicKey = readFileSync(join(keys, "id.pub"), "utf8").trim();
    execFileSync("sh", ["-c", `printf '%s %s\\n' "${String(TEST_GIT_ENV.GIT_COMMITTER_EMAIL)}" "${publicKey}" > ${join(keys, "allowed")}`]);
    await run(dir, "config", "gpg.format", "ssh");
    await run(dir, "config", "user.signingkey", join(keys, "id.pub"));
    await run(dir, "config", "commit.gpgsign", "true");
    await run(dir, "config", "gpg.ssh.allowedSignersFile", join(keys, "allowed"));
  });
  afterAll(() => removeAll(dir, keys));

  it("signs when the user's config says so, and the audit trail shows the commit as signed", async () => {
    await runSetImage({ manifests: dir, env: "production", service: "campaign-service", image: "ghcr.io/blessed-horizon/campaign-service:sha-5151515" }, { cwd: "/", write: () => undefined });
    expect(await run(dir, "log", "-1", "--format=%G?")).toBe("G");
    let text = "";
    const [entry] = await runHistory({ manifests: dir }, { cwd: "/", write: (t) => void (text += t) });
    expect(entry?.signature).toBe("G");
    expect(text).toContain("  signed  ");
  });
});
