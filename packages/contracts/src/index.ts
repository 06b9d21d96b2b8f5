export * from "./money.js";
export * from "./envelope.js";
