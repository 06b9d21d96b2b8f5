import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, InProcessEventBus, loadConfig } from "@blessed-horizon/service-kit";
import { describe, expect, it } from "vitest";
import { paymentConfigSchema } from "../src/config.js";
import { startService } from "../src/main.js";

describe("startService", () => {
  it("serves health, readiness and metrics on its own embedded database, and closes gracefully", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "payment-main-"));
    const bus = new InProcessEventBus();
    try {
      const service = await startService({ env: { NODE_ENV: "test", LOG_LEVEL: "silent", DATA_DIR: dataDir }, port: 0, host: "127.0.0.1", bus });
      expect(service.name).toBe("payment-service");
      expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
      expect((await fetch(`${service.url}/readyz`)).status).toBe(200);
      const metrics = await (await fetch(`${service.url}/metrics`)).text();
      expect(metrics).toContain('http_requests_total{service="payment-service"');
      const openapi = await (await fetch(`${service.url}/openapi.json`)).json() as { paths: Record<string, unknown> };
      expect(Object.keys(openapi.paths)).toEqual(expect.arrayContaining(["/api/v1/donations", "/api/v1/donations/{id}/refunds", "/api/v1/ledger/transactions", "/api/v1/webhooks/provider"]));
      await service.close();
      await expect(fetch(`${service.url}/healthz`)).rejects.toThrow();
    } finally {
      await bus.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it("opens its own bus when started alone, and refuses development secrets in production", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "payment-main-"));
    try {
      const alone = await startService({ env: { NODE_ENV: "test", LOG_LEVEL: "silent", DATA_DIR: dataDir }, port: 0, host: "127.0.0.1" });
      await alone.close();
      await expect(startService({ env: { NODE_ENV: "production", JWT_SECRET: "x".repeat(40), DATA_DIR: dataDir }, port: 0 }))
        .rejects.toThrow("CARD_FINGERPRINT_SECRET: is required when NODE_ENV=production; PROVIDER_WEBHOOK_SECRET: is required when NODE_ENV=production");
      await expect(startService({ env: { TRUST_SERVICE_URL: "not a url", DATA_DIR: dataDir }, port: 0 })).rejects.toThrow(/TRUST_SERVICE_URL/);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it("refuses the development secrets in production in its config schema, the one place its settings are read", () => {
    const production = { NODE_ENV: "production", JWT_SECRET: "x".repeat(40), DATA_DIR: "unused" };
    expect(() => loadConfig(paymentConfigSchema, production)).toThrow(ConfigError);
    expect(() => loadConfig(paymentConfigSchema, production)).toThrow(
      "invalid configuration: CARD_FINGERPRINT_SECRET: is required when NODE_ENV=production; PROVIDER_WEBHOOK_SECRET: is required when NODE_ENV=production",
    );
    const secrets = { CARD_FINGERPRINT_SECRET: "c".repeat(32), PROVIDER_WEBHOOK_SECRET: "w".repeat(32) };
    expect(loadConfig(paymentConfigSchema, { ...production, ...secrets })).toMatchObject(secrets);
  });
});
