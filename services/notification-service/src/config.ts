import { createHmac } from "node:crypto";
import { baseConfigSchema } from "@blessed-horizon/service-kit";
import { z } from "zod";

export const SERVICE_NAME = "notification-service";
export const SERVICE_VERSION = "0.1.0";
export const NOTIFICATION_DEFAULTS = { PORT: "8083" } as const;

const ms = (fallback: number) => z.coerce.number().int().min(1).default(fallback);

/** The kit's variables plus notification-service's own (see README). */
export const notificationConfigSchema = baseConfigSchema.extend({
  /** `smtp://user:pass@host:587` or `smtps://...`; unset = record-only email (nothing is sent). */
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\/.+/, "must be an smtp:// or smtps:// URL")
    .optional(),
  NOTIFY_FROM: z.string().min(3).default("Blessed Horizon <no-reply@blessed-horizon.example>"),
  /** Base URL mail clients reach this service at, for one-click unsubscribe links. */
  PUBLIC_URL: z.url({ protocol: /^https?$/ }).default("http://localhost:8083"),
  /** Signs unsubscribe links; defaults to a key derived from JWT_SECRET. */
  UNSUBSCRIBE_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
  NOTIFY_RETRY_BASE_MS: ms(1_000),
  NOTIFY_RETRY_MAX_MS: ms(3_600_000),
  NOTIFY_POLL_MS: ms(500),
  WEBHOOK_TIMEOUT_MS: ms(10_000),
});

export type NotificationConfig = Omit<z.infer<typeof notificationConfigSchema>, "JWT_SECRET"> & { JWT_SECRET: string };

export function unsubscribeSecret(config: Pick<NotificationConfig, "UNSUBSCRIBE_SECRET" | "JWT_SECRET">): string {
  return config.UNSUBSCRIBE_SECRET ?? createHmac("sha256", config.JWT_SECRET).update("blessed-horizon unsubscribe links").digest("base64url");
}
