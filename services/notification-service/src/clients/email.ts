import nodemailer from "nodemailer";
import type { Send } from "../service/dispatcher.js";
import { signUnsubscribeToken } from "../domain/signing.js";

export interface EmailOptions {
  /** `smtp://user:pass@host:port` or `smtps://...`; unset means record-only: rendered and kept, never sent. */
  smtpUrl: string | undefined;
  from: string;
  /** Where this service is reachable from a mail client, for the one-click unsubscribe link. */
  publicUrl: string;
  unsubscribeSecret: string;
}

export interface EmailChannel {
  send: Send;
  mode: "smtp" | "record-only";
  close(): void;
}

/**
 * Email over SMTP with nodemailer. Everything but receipts carries RFC 8058
 * one-click unsubscribe headers; the message id is the notification id, so a
 * resend after a crash is recognisable as the same message.
 */
export function createEmailChannel(options: EmailOptions): EmailChannel {
  const transport = options.smtpUrl
    ? nodemailer.createTransport({ url: options.smtpUrl, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 })
    : nodemailer.createTransport({ jsonTransport: true });
  return {
    mode: options.smtpUrl ? "smtp" : "record-only",
    close: () => transport.close(),
    send: async (n) => {
      if (!n.address) throw new Error("no email address");
      const headers: Record<string, string> = {};
      if (n.category !== "receipt") {
        const token = signUnsubscribeToken(options.unsubscribeSecret, { recipientId: n.recipientId, category: n.category });
        headers["List-Unsubscribe"] = `<${new URL(`/api/v1/unsubscribe?token=${token}`, options.publicUrl).href}>`;
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click";
      }
      await transport.sendMail({
        from: options.from,
        to: n.address,
        subject: n.subject,
        text: n.body,
        messageId: `<${n.id}@blessed-horizon.notifications>`,
        headers,
      });
    },
  };
}
