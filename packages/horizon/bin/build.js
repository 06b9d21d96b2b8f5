#!/usr/bin/env node
// `npm run build` and `prepare`: tsc, then the stamp that tells the bin when this build started.
import { buildDist } from "./build-check.js";

const status = buildDist(undefined, process.argv.slice(2));
if (status === undefined) {
  process.stderr.write("horizon build: TypeScript is not installed; run `npm ci`\n");
  process.exit(2);
}
process.exit(status);
