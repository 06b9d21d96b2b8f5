import { defaultServerConditions } from "vite";
import { defineConfig } from "vitest/config";

/**
 * One Vitest configuration for every workspace, so that `npm test` at the root
 * (all projects) and `npm run test:ci -w <workspace>` (one project, with
 * coverage) behave the same.
 */
export function workspaceConfig(name: string) {
  return defineConfig({
    // Workspace packages resolve to their TypeScript sources, as under `tsx`.
    resolve: { conditions: ["source", ...defaultServerConditions] },
    ssr: { resolve: { conditions: ["source", ...defaultServerConditions] } },
    test: {
      name,
      environment: "node",
      include: ["src/**/*.test.ts", "test/**/*.test.ts"],
      testTimeout: 30_000,
      hookTimeout: 60_000,
      coverage: {
        provider: "v8",
        // Files that no test loads count too: an untested file is uncovered, not invisible.
        include: ["src/**/*.ts"],
        exclude: ["src/**/*.test.ts", "src/**/*.d.ts"],
        reporter: ["text-summary", "lcov", "json-summary"],
        reportsDirectory: "coverage",
      },
    },
  });
}
