import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { pino } from "pino";
import type { Logger } from "pino";

/** Log paths whose values never reach the logs. */
export const REDACTED_PATHS = [
  "req.headers.authorization",
  "req.headers.cookie",
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  "headers.authorization",
  "headers.cookie",
  "authorization",
  "cookie",
  "password",
  "token",
  "secret",
  "cardNumber",
  "*.password",
  "*.token",
  "*.accessToken",
  "*.refreshToken",
  "*.idToken",
  "*.secret",
  "*.clientSecret",
  "*.apiKey",
  "*.authorization",
  "*.cookie",
  "*.cardNumber",
  "*.card_number",
  "*.pan",
  "*.cvc",
  "*.cvv",
  "*.JWT_SECRET",
  "*.DATABASE_URL",
];

/** A pino logger for one service, with secrets, tokens and card numbers redacted. */
export function createLogger(options: { name: string; level: string }): Logger {
  return pino({
    name: options.name,
    level: options.level,
    redact: { paths: REDACTED_PATHS, censor: "[REDACTED]" },
  });
}

const REQUEST_ID = /^[\w\-.:]{1,128}$/;

/** The caller's x-request-id when it looks like an id, else a new UUID. */
export function requestIdOf(request: IncomingMessage): string {
  const header = request.headers["x-request-id"];
  return typeof header === "string" && REQUEST_ID.test(header) ? header : randomUUID();
}
