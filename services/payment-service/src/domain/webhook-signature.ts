import { createHmac, timingSafeEqual } from "node:crypto";

export class SignatureError extends Error {
  override readonly name = "SignatureError";
}

/** Stripe's header: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">` (several v1 allowed while secrets rotate). */
export function signPayload(rawBody: string, secret: string, timestamp: number): string {
  const mac = createHmac("sha256", secret).update(`${timestamp}.${rawBody}`).digest("hex");
  return `t=${timestamp},v1=${mac}`;
}

/**
 * Verifies a webhook as Stripe does (ARCHITECTURE §4): HMAC-SHA256 over
 * `t + "." + raw body`, compared in constant time, refused when the timestamp
 * is more than `toleranceSeconds` away from now (replays).
 */
export function verifySignature(rawBody: string, header: string | undefined, secret: string, nowSeconds: number, toleranceSeconds = 300): void {
  if (!header) throw new SignatureError("missing Stripe-Signature header");
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(",")) {
    const [key, value] = part.trim().split("=", 2);
    if (key === "t" && value && /^\d+$/.test(value)) timestamp = Number(value);
    if (key === "v1" && value) signatures.push(value);
  }
  if (timestamp === undefined || signatures.length === 0) throw new SignatureError("malformed Stripe-Signature header: expected t=<unix>,v1=<hex>");
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds) throw new SignatureError(`signature timestamp is outside the ${toleranceSeconds} s tolerance`);
  const expected = Buffer.from(createHmac("sha256", secret).update(`${timestamp}.${rawBody}`).digest("hex"), "utf8");
  const ok = signatures.some((s) => {
    const given = Buffer.from(s, "utf8");
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!ok) throw new SignatureError("no signature matches the payload");
}
