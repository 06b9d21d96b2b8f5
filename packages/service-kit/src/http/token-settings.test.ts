import { afterAll, describe, expect, it } from "vitest";
import { json, thingsMigrations } from "../../test/helpers.js";
import { signToken } from "../auth/tokens.js";
import { openDatabase } from "../db/database.js";
import { testConfig, TEST_JWT_SECRET } from "../testing/index.js";
import { createServiceApp } from "./app.js";

/**
 * A service built from its configuration applies the JWT_* token settings:
 * JWT_ISSUER and JWT_AUDIENCE set on a service must refuse a token that does
 * not carry them (the app used to build its verifier without them).
 */
const closers: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const close of closers.reverse()) await close();
});

async function service(env: Record<string, string>) {
  const db = await openDatabase({ memory: true });
  const app = await createServiceApp({ name: "kit-test", version: "1.0.0", config: testConfig(env), db, migrationsDir: await thingsMigrations() });
  app.get("/me", { onRequest: app.authenticate }, (request, reply) => reply.send(request.user));
  closers.push(() => db.close(), () => app.close());
  return app;
}

const user = { sub: "dora", roles: ["donor" as const] };

describe("the token settings of a service's configuration", () => {
  it("JWT_ISSUER and JWT_AUDIENCE: a token without them is 401, one with them is accepted", async () => {
    const app = await service({ JWT_ISSUER: "https://auth.blessedhorizon.org", JWT_AUDIENCE: "blessed-horizon" });
    const plain = await signToken(user, TEST_JWT_SECRET, "1h");
    const refused = await app.inject({ url: "/me", headers: { authorization: `Bearer ${plain}` } });
    expect(refused.statusCode).toBe(401);
    expect(refused.headers["content-type"]).toContain("application/problem+json");
    const addressed = await signToken(user, TEST_JWT_SECRET, "1h", { issuer: "https://auth.blessedhorizon.org", audience: "blessed-horizon" });
    const accepted = await app.inject({ url: "/me", headers: { authorization: `Bearer ${addressed}` } });
    expect(accepted.statusCode).toBe(200);
    expect(json(accepted)).toMatchObject({ sub: "dora" });
  });

  it("JWT_MAX_LIFETIME_SECONDS: a token living longer than it allows is 401", async () => {
    const app = await service({ JWT_MAX_LIFETIME_SECONDS: "600" });
    const hour = await signToken(user, TEST_JWT_SECRET, "1h");
    expect((await app.inject({ url: "/me", headers: { authorization: `Bearer ${hour}` } })).statusCode).toBe(401);
  });
});
