import { loadConfig } from "@blessed-horizon/service-kit";
import { TEST_JWT_SECRET } from "@blessed-horizon/service-kit/testing";
import { trustConfigSchema, type TrustServiceConfig } from "../src/config.js";

/** trust-service's configuration for tests, through its own schema (silent logs, the test secret), `env` on top. */
export function trustTestConfig(env: Record<string, string> = {}): TrustServiceConfig {
  return loadConfig(trustConfigSchema, { NODE_ENV: "test", LOG_LEVEL: "silent", JWT_SECRET: TEST_JWT_SECRET, DATA_DIR: "unused", ...env });
}
