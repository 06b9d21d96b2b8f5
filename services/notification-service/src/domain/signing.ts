import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * Unsubscribe tokens: `base64url(json) "." base64url(hmac-sha256)`. Whoever
 * holds the link may unsubscribe that recipient from that category, nothing else.
 */
export function signUnsubscribeToken(secret: string, claim: { recipientId: string; category: string }): string {
  const payload = Buffer.from(JSON.stringify({ r: claim.recipientId, c: claim.category })).toString("base64url");
  return `${payload}.${hmac(secret, payload).toString("base64url")}`;
}

/** The claim of a genuine token, or null for anything forged, truncated or malformed. */
export function verifyUnsubscribeToken(secret: string, token: string): { recipientId: string; category: string } | null {
  const [payload, signature, extra] = token.split(".");
  if (!payload || !signature || extra !== undefined) return null;
  if (!safeEqual(Buffer.from(signature, "base64url"), hmac(secret, payload))) return null;
  try {
    const claim = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { r?: unknown; c?: unknown };
    return typeof claim.r === "string" && typeof claim.c === "string" ? { recipientId: claim.r, category: claim.c } : null;
  } catch {
    return null;
  }
}

/** Webhook signature in Stripe's scheme (ARCHITECTURE §4): `t=<unix>,v1=<hex hmac of "t.body">`. */
export function signWebhook(secret: string, body: string, now: Date = new Date()): string {
  const t = Math.floor(now.getTime() / 1000);
  return `t=${t},v1=${hmac(secret, `${t}.${body}`).toString("hex")}`;
}

/** Checks a webhook signature as a receiver would: right secret, untouched body, at most `toleranceS` old. */
export function verifyWebhook(secret: string, body: string, header: string, now: Date = new Date(), toleranceS = 300): boolean {
  const parts = Object.fromEntries(header.split(",").map((p) => p.split("=", 2) as [string, string]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || !parts.v1 || Math.abs(now.getTime() / 1000 - t) > toleranceS) return false;
  return safeEqual(Buffer.from(parts.v1, "hex"), hmac(secret, `${t}.${body}`));
}

function hmac(secret: string, data: string): Buffer {
  return createHmac("sha256", secret).update(data).digest();
}

function safeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
