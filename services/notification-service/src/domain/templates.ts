/**
 * Message templates, versioned per locale. A change of wording is a new
 * version: every notification records the template version it was rendered
 * with, so a sent message can be explained later. Placeholders are
 * `{{name}}`; a missing value is an error, never an empty gap in a receipt.
 */
export const LOCALES = ["en", "de"] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = "en";

export const TEMPLATE_NAMES = ["donation_receipt", "refund_receipt", "donation_received", "donation_refunded", "goal_reached", "campaign_suspended"] as const;
export type TemplateName = (typeof TEMPLATE_NAMES)[number];

export interface Template {
  version: number;
  subject: string;
  text: string;
}

export const TEMPLATES: Record<TemplateName, Record<Locale, Template>> = {
  donation_receipt: {
    en: {
      version: 1,
      subject: "Thank you for your donation of {{amount}}",
      text: "Thank you for your donation of {{amount}} to campaign {{campaignId}}.\nDonation: {{donationId}}\nKeep this email as your receipt.",
    },
    de: {
      version: 1,
      subject: "Vielen Dank für Ihre Spende von {{amount}}",
      text: "Vielen Dank für Ihre Spende von {{amount}} an die Kampagne {{campaignId}}.\nSpende: {{donationId}}\nBitte bewahren Sie diese E-Mail als Beleg auf.",
    },
  },
  refund_receipt: {
    en: { version: 1, subject: "Your refund of {{amount}}", text: "We refunded {{amount}} of your donation {{donationId}} to campaign {{campaignId}}." },
    de: { version: 1, subject: "Ihre Erstattung von {{amount}}", text: "Wir haben {{amount}} Ihrer Spende {{donationId}} an die Kampagne {{campaignId}} erstattet." },
  },
  donation_received: {
    en: { version: 1, subject: "New donation of {{amount}}", text: "Your campaign {{campaignId}} received a donation of {{amount}} (donation {{donationId}})." },
    de: { version: 1, subject: "Neue Spende über {{amount}}", text: "Ihre Kampagne {{campaignId}} hat eine Spende über {{amount}} erhalten (Spende {{donationId}})." },
  },
  donation_refunded: {
    en: { version: 1, subject: "A donation was refunded: {{amount}}", text: "{{amount}} of donation {{donationId}} to your campaign {{campaignId}} was refunded." },
    de: { version: 1, subject: "Eine Spende wurde erstattet: {{amount}}", text: "{{amount}} der Spende {{donationId}} an Ihre Kampagne {{campaignId}} wurden erstattet." },
  },
  goal_reached: {
    en: { version: 1, subject: "Your campaign reached its goal", text: "Congratulations: {{title}} raised {{raised}} of its {{goal}} goal." },
    de: { version: 1, subject: "Ihre Kampagne hat ihr Ziel erreicht", text: "Herzlichen Glückwunsch: {{title}} hat {{raised}} von {{goal}} gesammelt." },
  },
  campaign_suspended: {
    en: { version: 1, subject: "Your campaign was suspended", text: "Your campaign {{campaignId}} was suspended and accepts no donations for now. Reason: {{reason}}" },
    de: { version: 1, subject: "Ihre Kampagne wurde gesperrt", text: "Ihre Kampagne {{campaignId}} wurde gesperrt und nimmt vorerst keine Spenden an. Grund: {{reason}}" },
  },
};

export interface RenderedMessage {
  template: TemplateName;
  locale: Locale;
  version: number;
  subject: string;
  text: string;
}

export class TemplateVariableError extends Error {
  override readonly name = "TemplateVariableError";
}

export function resolveLocale(locale: string | null | undefined): Locale {
  const base = locale?.toLowerCase().split(/[-_]/)[0];
  return (LOCALES as readonly string[]).includes(base ?? "") ? (base as Locale) : DEFAULT_LOCALE;
}

/** Renders a template in the recipient's locale (English when we have no translation). */
export function render(name: TemplateName, locale: string | null | undefined, vars: Readonly<Record<string, string>>): RenderedMessage {
  const resolved = resolveLocale(locale);
  const template = TEMPLATES[name][resolved];
  const fill = (s: string) =>
    s.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
      const value = vars[key];
      if (value === undefined) throw new TemplateVariableError(`template ${name} (${resolved}) needs '${key}'`);
      return value;
    });
  return { template: name, locale: resolved, version: template.version, subject: fill(template.subject), text: fill(template.text) };
}
