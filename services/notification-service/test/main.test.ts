import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createEvent, type EventEnvelope } from "@blessed-horizon/contracts";
import { InProcessEventBus, type RunningService } from "@blessed-horizon/service-kit";
import { bearer, TEST_JWT_SECRET } from "@blessed-horizon/service-kit/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startService } from "../src/main.js";
import { header, startSmtp } from "./helpers.js";

describe("notification-service process", () => {
  let dir: string;
  let bus: InProcessEventBus;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let service: RunningService;
  const published: EventEnvelope[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "notification-service-"));
    smtp = await startSmtp();
    bus = new InProcessEventBus();
    await bus.subscribe({
      consumer: "test.notifications",
      types: ["notification.delivered", "notification.failed", "notification.dead_lettered"],
      handler: (e) => {
        published.push(e);
        return Promise.resolve();
      },
    });
    service = await startService({
      env: { NODE_ENV: "test", LOG_LEVEL: "silent", JWT_SECRET: TEST_JWT_SECRET, DATA_DIR: dir, SMTP_URL: smtp.url, NOTIFY_POLL_MS: "50" },
      port: 0,
      host: "127.0.0.1",
      bus,
    });
  });
  afterAll(async () => {
    await service?.close();
    await bus?.close();
    await smtp?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("is live and ready", async () => {
    expect(service.name).toBe("notification-service");
    expect((await fetch(`${service.url}/readyz`)).status).toBe(200);
  });

  it("emails a receipt for a donation on the bus and publishes notification.delivered", async () => {
    const event = createEvent("donation.succeeded", {
      donationId: "d-1", campaignId: "c-1", donorId: "donor-1", email: "donor@example.org",
      amount: { amount: 1000, currency: "USD" }, tip: { amount: 0, currency: "USD" }, fee: { amount: 59, currency: "USD" },
    });
    await bus.publish(event);
    await expect.poll(() => smtp.mails.map((m) => header(m.raw, "Subject")), { timeout: 15_000 }).toContain("Thank you for your donation of 10.00 USD");
    await expect
      .poll(() => published.filter((e) => e.data.sourceEventId === event.eventId).map((e) => `${e.type}:${String(e.data.channel)}`).sort(), { timeout: 15_000 })
      .toEqual(["notification.delivered:email", "notification.delivered:in_app"]);
    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    expect(metrics).toMatch(/notification_deliveries_total\{channel="email",outcome="sent"\} 1/);
    const feed = await fetch(`${service.url}/api/v1/recipients/donor-1/feed`, { headers: await bearer({ sub: "donor-1", roles: ["donor"] }) });
    expect(((await feed.json()) as { items: { category: string }[] }).items.map((i) => i.category)).toEqual(["receipt"]);
  });
});
