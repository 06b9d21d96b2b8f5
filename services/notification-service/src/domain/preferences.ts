import { z } from "zod";
import { CATEGORIES, type Category } from "./plan.js";
import { DEFAULT_LOCALE, LOCALES, type Locale } from "./templates.js";

export const CHANNELS = ["email", "in_app", "webhook"] as const;
export type Channel = (typeof CHANNELS)[number];

export type ChannelSwitches = Record<Channel, boolean>;

export interface Preferences {
  locale: Locale;
  /** Where email goes; null means the address from the event (donors) or no email. */
  email: string | null;
  /** Where webhooks go; null means no webhook. */
  webhookUrl: string | null;
  channels: Record<Category, ChannelSwitches>;
}

export function defaultPreferences(): Preferences {
  const channels = Object.fromEntries(CATEGORIES.map((c) => [c, { email: true, in_app: true, webhook: true }])) as Record<Category, ChannelSwitches>;
  return { locale: DEFAULT_LOCALE, email: null, webhookUrl: null, channels };
}

const Switches = z.strictObject({ email: z.boolean().optional(), in_app: z.boolean().optional(), webhook: z.boolean().optional() });

/** `PUT /recipients/:id/preferences`: any subset; what is left out stays as it was. */
export const PreferencesUpdateSchema = z.strictObject({
  locale: z.enum(LOCALES).optional(),
  email: z.email().max(320).nullable().optional(),
  webhookUrl: z
    .url({ protocol: /^https?$/, error: "must be an http(s) URL" })
    .max(2000)
    .nullable()
    .optional(),
  channels: z.partialRecord(z.enum(CATEGORIES), Switches).optional(),
});
export type PreferencesUpdate = z.infer<typeof PreferencesUpdateSchema>;

export class MandatoryCategoryError extends Error {
  override readonly name = "MandatoryCategoryError";
}

/** Applies an update; refuses to turn receipts off by email or in-app (a donor always gets proof of payment). */
export function applyPreferences(current: Preferences, update: PreferencesUpdate): Preferences {
  const receipt = update.channels?.receipt;
  if (receipt?.email === false || receipt?.in_app === false) {
    throw new MandatoryCategoryError("receipts cannot be turned off (channels.receipt.email and channels.receipt.in_app stay on)");
  }
  const channels = { ...current.channels };
  for (const category of CATEGORIES) {
    const change = update.channels?.[category];
    if (change) channels[category] = { ...channels[category], ...change };
  }
  return {
    locale: update.locale ?? current.locale,
    email: update.email === undefined ? current.email : update.email?.toLowerCase() ?? null,
    webhookUrl: update.webhookUrl === undefined ? current.webhookUrl : update.webhookUrl,
    channels,
  };
}

/** Which channels a message of this category goes out on, and to which email address. */
export function chooseChannels(prefs: Preferences, category: Category, eventEmail: string | null): { channels: Channel[]; email: string | null } {
  const email = prefs.email ?? eventEmail;
  const on = category === "receipt" ? { ...prefs.channels.receipt, email: true, in_app: true } : prefs.channels[category];
  const channels = CHANNELS.filter((c) => on[c] && (c !== "email" || email !== null) && (c !== "webhook" || prefs.webhookUrl !== null));
  return { channels, email };
}
