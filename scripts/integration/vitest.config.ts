import { fileURLToPath } from "node:url";
import { defaultServerConditions } from "vite";
import { defineConfig } from "vitest/config";

/**
 * `npm run test:integration`: the donation story on the running platform.
 * Not part of `npm test` (it starts every service); writes a JUnit report for
 * the integration pass-rate gate.
 */
export default defineConfig({
  root: fileURLToPath(new URL("../..", import.meta.url)),
  resolve: { conditions: ["source", ...defaultServerConditions] },
  ssr: { resolve: { conditions: ["source", ...defaultServerConditions] } },
  test: {
    name: "integration",
    environment: "node",
    include: ["scripts/integration/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    reporters: ["default", "junit"],
    outputFile: { junit: "reports/integration-junit.xml" },
  },
});
