export * from "./money.js";
export * from "./envelope.js";
export * from "./events/index.js";
