import type { Queryable } from "@blessed-horizon/service-kit";
import type { Send } from "../service/dispatcher.js";
import { signWebhook } from "../domain/signing.js";

export const SIGNATURE_HEADER = "blessed-horizon-signature";

/**
 * POSTs the message as JSON to the recipient's webhook URL, signed with the
 * recipient's secret in Stripe's scheme (`t=..,v1=..`). Any answer but 2xx,
 * a network error or a timeout is a failed attempt.
 */
export function createWebhookChannel(db: Queryable, options: { timeoutMs?: number } = {}): Send {
  return async (n) => {
    if (!n.address) throw new Error("no webhook URL");
    const { rows } = await db.query<{ webhook_secret: string | null }>("SELECT webhook_secret FROM notify_recipients WHERE id = $1", [n.recipientId]);
    const secret = rows[0]?.webhook_secret;
    if (!secret) throw new Error("recipient has no webhook secret");
    const body = JSON.stringify({
      id: n.id,
      recipientId: n.recipientId,
      category: n.category,
      template: n.template,
      locale: n.locale,
      subject: n.subject,
      text: n.body,
      sourceEventId: n.sourceEventId,
      createdAt: n.createdAt,
    });
    const response = await fetch(n.address, {
      method: "POST",
      body,
      headers: { "content-type": "application/json", [SIGNATURE_HEADER]: signWebhook(secret, body), "webhook-id": n.id },
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      redirect: "error",
    });
    await response.body?.cancel();
    if (!response.ok) throw new Error(`webhook answered ${response.status}`);
  };
}
