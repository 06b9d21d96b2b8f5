#!/usr/bin/env node
// horizon runs from dist/, which `npm ci` compiles (the package's prepare
// script). A dist/ older than src/ is rebuilt here first on a laptop and
// refused in CI, where it means the build step was skipped.
import { enableCompileCache } from "node:module";
import { join } from "node:path";
import { BUILD_COMMAND, buildDist, staleBuild, workspaceDependencies } from "./build-check.js";

enableCompileCache?.();

// horizon's own dist/ and that of each workspace package it runs on (contracts).
const builds = [
  ...workspaceDependencies().map(({ name, dir }) => ({ dir, entry: join("dist", "index.js"), command: `npm run build -w ${name}`, label: `${name}: ` })),
  { dir: undefined, entry: undefined, command: BUILD_COMMAND, label: "" },
];
for (const { dir, entry, command, label } of builds) {
  const stale = staleBuild(dir, entry);
  if (!stale) continue;
  if (process.env.CI) {
    process.stderr.write(`horizon: ${label}${stale}; run \`${command}\` (or npm ci) before horizon\n`);
    process.exit(2);
  }
  process.stderr.write(`horizon: ${label}${stale}; rebuilding (${command})\n`);
  const status = buildDist(dir);
  if (status === undefined) {
    process.stderr.write("horizon: TypeScript is not installed to rebuild dist/; run `npm ci`\n");
    process.exit(2);
  }
  if (status !== 0) {
    process.stderr.write(`horizon: the build failed (errors above); fix them or run \`${command}\`\n`);
    process.exit(2);
  }
}

const { main } = await import("../dist/cli.js");
process.exitCode = await main(process.argv);
