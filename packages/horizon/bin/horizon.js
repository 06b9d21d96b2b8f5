#!/usr/bin/env node
// horizon runs from dist/, which `npm ci` compiles (the package's prepare
// script). A dist/ older than src/ is rebuilt here first on a laptop and
// refused in CI, where it means the build step was skipped.
import { enableCompileCache } from "node:module";
import { BUILD_COMMAND, buildDist, staleBuild } from "./build-check.js";

enableCompileCache?.();

const stale = staleBuild();
if (stale) {
  if (process.env.CI) {
    process.stderr.write(`horizon: ${stale}; run \`${BUILD_COMMAND}\` (or npm ci) before horizon\n`);
    process.exit(2);
  }
  process.stderr.write(`horizon: ${stale}; rebuilding (${BUILD_COMMAND})\n`);
  const status = buildDist();
  if (status === undefined) {
    process.stderr.write("horizon: TypeScript is not installed to rebuild dist/; run `npm ci`\n");
    process.exit(2);
  }
  if (status !== 0) {
    process.stderr.write(`horizon: the build failed (errors above); fix them or run \`${BUILD_COMMAND}\`\n`);
    process.exit(2);
  }
}

const { main } = await import("../dist/cli.js");
process.exitCode = await main(process.argv);
