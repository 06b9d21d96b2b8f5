import { z } from "zod";

const NotificationRef = {
  notificationId: z.string().min(1),
  recipientId: z.string().min(1),
  channel: z.enum(["email", "in_app", "webhook"]),
  /** receipt, organizer_notice, goal_reached, campaign_suspended, ... */
  category: z.string().min(1),
  /** The event that caused the notification. */
  sourceEventId: z.string().optional(),
  attempts: z.number().int().min(1),
};

export const NotificationDeliveredSchema = z.object({ ...NotificationRef });
export const NotificationFailedSchema = z.object({ ...NotificationRef, error: z.string(), willRetry: z.boolean() });
export const NotificationDeadLetteredSchema = z.object({ ...NotificationRef, error: z.string() });

export type NotificationDelivered = z.infer<typeof NotificationDeliveredSchema>;
export type NotificationFailed = z.infer<typeof NotificationFailedSchema>;
export type NotificationDeadLettered = z.infer<typeof NotificationDeadLetteredSchema>;
