#!/usr/bin/env node
// Runs the CLI from its TypeScript sources, so `npx horizon` works on a fresh
// clone without a build step.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/cli.ts");
process.exitCode = await main(process.argv);
