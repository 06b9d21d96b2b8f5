import { describe, expect, it } from "vitest";
import { z } from "zod";
import { baseConfigSchema, ConfigError, DEVELOPMENT_JWT_SECRET, loadConfig } from "./config.js";

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("loadConfig", () => {
  it("fills defaults and lets the service's defaults win over the kit's", () => {
    const config = loadConfig(baseConfigSchema, {}, { PORT: "8081", DATA_DIR: ".data/campaign-service" });
    expect(config).toMatchObject({ NODE_ENV: "development", HOST: "0.0.0.0", PORT: 8081, LOG_LEVEL: "info", DATA_DIR: ".data/campaign-service", SHUTDOWN_TIMEOUT_MS: 10_000 });
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.JWT_SECRET).toBe(DEVELOPMENT_JWT_SECRET);
  });

  it("takes the environment over defaults and ignores empty variables", () => {
    const config = loadConfig(baseConfigSchema, { PORT: "9000", HOST: "" }, { PORT: "8081" });
    expect(config.PORT).toBe(9000);
    expect(config.HOST).toBe("0.0.0.0");
  });

  it("names every bad variable", () => {
    const error = configError(() => loadConfig(baseConfigSchema, { PORT: "eighty", LOG_LEVEL: "loud", DATABASE_URL: "mysql://x" }));
    expect([...error.variables].sort()).toEqual(["DATABASE_URL", "LOG_LEVEL", "PORT"]);
    expect(error.message).toContain("PORT:");
    expect(error.message).toContain("DATABASE_URL: must be a postgres:// or postgresql:// URL");
  });

  it("reads the token settings: no issuer or audience by default, 24 h lifetime, 60 s skew", () => {
    expect(loadConfig(baseConfigSchema, {})).toMatchObject({ JWT_MAX_LIFETIME_SECONDS: 86_400, JWT_CLOCK_SKEW_SECONDS: 60 });
    expect(loadConfig(baseConfigSchema, {})).not.toHaveProperty("JWT_ISSUER");
    const config = loadConfig(baseConfigSchema, { JWT_ISSUER: "https://id.example", JWT_AUDIENCE: "campaign-service", JWT_MAX_LIFETIME_SECONDS: "3600", JWT_CLOCK_SKEW_SECONDS: "0" });
    expect(config).toMatchObject({ JWT_ISSUER: "https://id.example", JWT_AUDIENCE: "campaign-service", JWT_MAX_LIFETIME_SECONDS: 3600, JWT_CLOCK_SKEW_SECONDS: 0 });
    const error = configError(() => loadConfig(baseConfigSchema, { JWT_MAX_LIFETIME_SECONDS: "forever", JWT_CLOCK_SKEW_SECONDS: "-1" }));
    expect([...error.variables].sort()).toEqual(["JWT_CLOCK_SKEW_SECONDS", "JWT_MAX_LIFETIME_SECONDS"]);
  });

  it("says a required variable is required", () => {
    const schema = baseConfigSchema.extend({ PROVIDER_KEY: z.string() });
    expect(configError(() => loadConfig(schema, {})).message).toBe("invalid configuration: PROVIDER_KEY: is required");
  });

  it("refuses production without JWT_SECRET, and short secrets anywhere", () => {
    expect(configError(() => loadConfig(baseConfigSchema, { NODE_ENV: "production" })).variables).toEqual(["JWT_SECRET"]);
    expect(configError(() => loadConfig(baseConfigSchema, { JWT_SECRET: "short" })).message).toContain("JWT_SECRET: must be at least 32 characters");
    const secret = "x".repeat(40);
    expect(loadConfig(baseConfigSchema, { NODE_ENV: "production", JWT_SECRET: secret }).JWT_SECRET).toBe(secret);
    expect(loadConfig(baseConfigSchema, { NODE_ENV: "production", JWKS_URL: "https://id.example/jwks.json" }).JWKS_URL).toBe(
      "https://id.example/jwks.json",
    );
  });
});
