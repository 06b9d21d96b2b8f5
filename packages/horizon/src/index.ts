export * from "./errors.js";
export { buildProgram, main } from "./cli.js";
