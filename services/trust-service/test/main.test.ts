import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createEvent, type EventEnvelope } from "@blessed-horizon/contracts";
import { InProcessEventBus, type RunningService } from "@blessed-horizon/service-kit";
import { bearer, TEST_JWT_SECRET } from "@blessed-horizon/service-kit/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startService } from "../src/main.js";

describe("trust-service process", () => {
  let dir: string;
  let bus: InProcessEventBus;
  let service: RunningService;
  const decisions: EventEnvelope[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "trust-service-"));
    bus = new InProcessEventBus();
    await bus.subscribe({ consumer: "test.decisions", types: ["trust.decision"], handler: (e) => {
      decisions.push(e);
      return Promise.resolve();
    } });
    service = await startService({
      env: { NODE_ENV: "test", LOG_LEVEL: "silent", JWT_SECRET: TEST_JWT_SECRET, DATA_DIR: dir, TRUST_IP_PER_HOUR: "1" },
      port: 0,
      host: "127.0.0.1",
      bus,
    });
  });
  afterAll(async () => {
    await service?.close();
    await bus?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("is live and ready on its own port, with its migrations applied", async () => {
    expect(service.name).toBe("trust-service");
    expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${service.url}/readyz`)).status).toBe(200);
  });

  it("reads thresholds from the environment and publishes decisions on the bus", async () => {
    const headers = { ...(await bearer({ sub: "payment-service", roles: ["admin"] })), "content-type": "application/json" };
    const body = (donationId: string) =>
      JSON.stringify({ kind: "donation", donationId, campaignId: "c1", amount: { amount: 100, currency: "EUR" }, ip: "192.0.2.1", cardFingerprint: "fingerprint-1" });
    await fetch(`${service.url}/api/v1/assessments`, { method: "POST", headers, body: body("d1") });
    const second = await (await fetch(`${service.url}/api/v1/assessments`, { method: "POST", headers, body: body("d2") })).json();
    expect(second).toMatchObject({ decision: "review", reasons: [{ code: "ip_velocity" }] });
    await expect.poll(() => decisions.map((d) => d.data.subjectId)).toEqual(expect.arrayContaining(["d1", "d2"]));
  });

  it("assesses a campaign published on the bus", async () => {
    await bus.publish(createEvent("campaign.published", { campaignId: "camp-from-bus", organizerId: "o1", title: "Bus", goal: { amount: 1000, currency: "EUR" } }));
    await expect.poll(() => decisions.find((d) => d.data.subjectId === "camp-from-bus")?.data).toMatchObject({ kind: "campaign", decision: "allow" });
  });
});
