import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { decodeJwt } from "jose";
import { describe, expect, it } from "vitest";
import { DEVELOPMENT_JWT_SECRET } from "../config/config.js";
import { testConfig } from "../testing/index.js";
import { createVerifier } from "./tokens.js";

const root = fileURLToPath(new URL("../../../../", import.meta.url));
const run = promisify(execFile);

/** `npm run -s token -- <args>` as a developer runs it (no npm, to keep it quick). */
async function token(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const command = [process.execPath, ["--conditions=source", "--import", "tsx", "scripts/token.ts", ...args]] as const;
  try {
    const { stdout, stderr } = await run(command[0], command[1], { cwd: root, env: { ...process.env, JWT_SECRET: "", ...env } });
    return { code: 0, stdout: stdout.trim(), stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout.trim(), stderr: failed.stderr.trim() };
  }
}

describe("npm run token", () => {
  it("mints a 1 h token (iat and exp) that the services accept, and says the limit in --help", async () => {
    const [minted, help] = await Promise.all([token(["--sub", "alice", "--roles", "organizer"]), token(["--help"])]);
    expect(minted.code).toBe(0);
    const claims = decodeJwt(minted.stdout);
    expect(Number(claims.exp) - Number(claims.iat)).toBe(3600);
    const services = createVerifier(testConfig({ JWT_SECRET: DEVELOPMENT_JWT_SECRET }));
    expect(await services.verify(minted.stdout)).toEqual({ sub: "alice", roles: ["organizer"] });
    expect(help.stdout).toContain("(default: 1h); at most what the");
    expect(help.stdout).toContain("JWT_MAX_LIFETIME_SECONDS (default 86400 s = 24h)");
  }, 30_000);

  it("refuses a --ttl longer than the services accept, instead of printing a token they would refuse", async () => {
    const [week, short] = await Promise.all([
      token(["--sub", "alice", "--ttl", "7d"]),
      token(["--sub", "alice", "--ttl", "2h"], { JWT_MAX_LIFETIME_SECONDS: "3600" }),
    ]);
    expect(week).toMatchObject({ code: 2, stdout: "" });
    expect(week.stderr).toBe("token: --ttl 7d is longer than the services accept (JWT_MAX_LIFETIME_SECONDS = 86400 s)");
    expect(short.code).toBe(2);
    expect(short.stderr).toContain("JWT_MAX_LIFETIME_SECONDS = 3600 s");
  }, 30_000);

  it("refuses a --ttl of nothing, which printed a token that had expired when it was made", async () => {
    const [zero, odd, compound] = await Promise.all([token(["--sub", "alice", "--ttl", "0m"]), token(["--sub", "alice", "--ttl", "1 day"]), token(["--sub", "alice", "--ttl", "1h30m"])]);
    // "0m" has the right shape: the message says what is wrong with it, not that it looks wrong.
    expect(zero).toMatchObject({ code: 2, stdout: "", stderr: 'token: --ttl must be at least 1s, got "0m"' });
    expect(odd).toMatchObject({ code: 2, stderr: 'token: --ttl must look like 30m, 1h or 12h, got "1 day"' });
    const claims = decodeJwt(compound.stdout);
    expect(Number(claims.exp) - Number(claims.iat)).toBe(5400);
  }, 30_000);

  it("carries the JWT_ISSUER and JWT_AUDIENCE the services are configured with", async () => {
    const env = { JWT_ISSUER: "https://id.blessed-horizon.example", JWT_AUDIENCE: "campaign-service" };
    const minted = await token(["--sub", "alice", "--roles", "donor"], env);
    expect(minted.code).toBe(0);
    const services = createVerifier(testConfig({ JWT_SECRET: DEVELOPMENT_JWT_SECRET, ...env }));
    expect(await services.verify(minted.stdout)).toEqual({ sub: "alice", roles: ["donor"] });
  }, 30_000);
});
