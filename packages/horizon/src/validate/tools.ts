// Moved to ../io/process.ts (one module starts processes). This re-export stays until commands/scan imports from there.
export { runTool, toolMessage } from "../io/process.js";
