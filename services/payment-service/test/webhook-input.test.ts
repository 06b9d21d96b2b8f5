import { createHmac, randomUUID } from "node:crypto";
import { testDatabases } from "@blessed-horizon/service-kit/testing";
import type { LightMyRequestResponse } from "fastify";
import { describe, expect, it } from "vitest";
import { usePayment, WEBHOOK_SECRET } from "./harness.js";

const [pglite] = testDatabases();

/** Signs the bytes as the provider does: HMAC-SHA256 of "t." + the raw body (Stripe's scheme). */
function signedBytes(body: Buffer) {
  const t = Math.floor(Date.now() / 1000);
  const mac = createHmac("sha256", WEBHOOK_SECRET).update(Buffer.concat([Buffer.from(`${t}.`), body])).digest("hex");
  return { "content-type": "application/json", "stripe-signature": `t=${t},v1=${mac}` };
}

/** Issue 13 case 4: a signed webhook is bad input like any other body, though the route reads its raw bytes. */
describe("the provider webhook refuses what no other route accepts", () => {
  const h = usePayment(() => pglite.open());

  const post = (body: Buffer) => h.app.inject({ method: "POST", url: "/api/v1/webhooks/provider", headers: signedBytes(body), payload: body });
  const recorded = async () => Number((await h.db.query<{ n: string | number }>("SELECT count(*) AS n FROM provider_events")).rows[0].n);
  const problem = (res: LightMyRequestResponse) => {
    expect(res.statusCode).toBe(400);
    expect(res.headers["content-type"]).toMatch(/^application\/problem\+json/);
    return res.json<{ code: string; detail: string; errors?: { in: string; path: string }[] }>();
  };

  it("answers NUL or an unpaired surrogate in a field it does not read or store with a 400 naming the field", async () => {
    const before = await recorded();
    for (const [object, path] of [[{ description: "a\u0000b" }, "/data/object/description"], [{ metadata: { note: "\ud800" } }, "/data/object/metadata/note"]] as const) {
      const body = Buffer.from(JSON.stringify({ id: `evt_${randomUUID()}`, type: "customer.created", data: { object } }));
      const answer = problem(await post(body));
      expect(answer.errors).toEqual([expect.objectContaining({ in: "body", path })]);
    }
    expect(await recorded()).toBe(before);
  });

  it("answers a signed body that is not UTF-8 with a 400 saying so, and records nothing", async () => {
    const before = await recorded();
    const valid = `{"id":"evt_${randomUUID()}","type":"customer.created","data":{"object":{"description":"caf`;
    for (const bad of [Buffer.from([0xe9]), Buffer.from([0xc0, 0xaf]), Buffer.from([0xed, 0xa0, 0x80])]) {
      const answer = problem(await post(Buffer.concat([Buffer.from(valid), bad, Buffer.from('"}}}')])));
      expect(answer.code).toBe("BH_INVALID_UTF8");
      expect(answer.detail).toMatch(/not valid UTF-8/);
    }
    expect(await recorded()).toBe(before);
  });

  it("answers a signed body nested too deep with a 400, as the kit's JSON parser does", async () => {
    const deep = "[".repeat(10_000) + "]".repeat(10_000);
    const answer = problem(await post(Buffer.from(`{"id":"evt_${randomUUID()}","type":"customer.created","data":{"object":{"extra":${deep}}}}`)));
    expect(answer.code).toBe("BH_JSON_TOO_DEEP");
  });

  it("still applies a well-formed signed event whose text is ordinary UTF-8", async () => {
    const body = Buffer.from(JSON.stringify({ id: `evt_${randomUUID()}`, type: "customer.created", data: { object: { description: "café ☕ 💧" } } }));
    const res = await post(body);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ received: true, applied: false });
  });
});
