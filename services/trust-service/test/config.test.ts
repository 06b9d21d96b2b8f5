import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "@blessed-horizon/service-kit";
import { describe, expect, it } from "vitest";
import { trustRules } from "../src/config.js";
import { DEFAULT_TRUST_CONFIG } from "../src/domain/config.js";
import { startService } from "../src/main.js";
import { trustTestConfig } from "./helpers.js";

describe("trust-service configuration", () => {
  it("reads every threshold and weight through the service's config schema", () => {
    const rules = trustRules(trustTestConfig({ TRUST_IP_PER_HOUR: "2", TRUST_WEIGHT_IP_VELOCITY: "80", TRUST_CARD_TESTING_FAILURE_RATIO: "0.5" }));
    expect(rules).toMatchObject({ ipPerHour: 2, cardTestingFailureRatio: 0.5, weights: { ip_velocity: 80, card_testing: 90 } });
    expect(trustRules(trustTestConfig())).toEqual(DEFAULT_TRUST_CONFIG);
  });

  it("names the variable of a bad value, as the kit does for its own", () => {
    const variablesOf = (env: Record<string, string>) => {
      try {
        trustTestConfig(env);
      } catch (error) {
        return error instanceof ConfigError ? [...error.variables] : error;
      }
      return [];
    };
    expect(variablesOf({ TRUST_IP_PER_HOUR: "many" })).toEqual(["TRUST_IP_PER_HOUR"]);
    expect(variablesOf({ TRUST_WEIGHT_CARD_TESTING: "101" })).toEqual(["TRUST_WEIGHT_CARD_TESTING"]);
    expect(variablesOf({ TRUST_REVIEW_FROM: "80", TRUST_BLOCK_FROM: "70" })).toEqual(["TRUST_BLOCK_FROM"]);
    expect(() => trustTestConfig({ TRUST_REVIEW_FROM: "80", TRUST_BLOCK_FROM: "70" })).toThrow("TRUST_BLOCK_FROM: must not be below TRUST_REVIEW_FROM (80)");
    expect(variablesOf({ TRUST_CARD_TESTING_WINDOW: "9" })).toEqual(["TRUST_CARD_TESTING_WINDOW"]);
    expect(() => trustTestConfig({ TRUST_CARD_TESTING_WINDOW: "9" })).toThrow("TRUST_CARD_TESTING_WINDOW: must not be below TRUST_CARD_TESTING_MIN_ATTEMPTS (10)");
    expect(trustRules(trustTestConfig({ TRUST_CARD_TESTING_WINDOW: "5", TRUST_CARD_TESTING_MIN_ATTEMPTS: "5" }))).toMatchObject({ cardTestingWindow: 5 });
  });

  it("refuses to start on a bad TRUST_ value with the kit's configuration error, like any other setting", async () => {
    const dir = await mkdtemp(join(tmpdir(), "trust-config-"));
    try {
      await expect(startService({ env: { NODE_ENV: "test", LOG_LEVEL: "silent", DATA_DIR: dir, TRUST_IP_PER_HOUR: "many", PORT: "abc" } })).rejects.toMatchObject({
        name: "ConfigError",
        variables: expect.arrayContaining(["PORT", "TRUST_IP_PER_HOUR"]),
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
