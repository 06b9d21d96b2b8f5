import { decodeUtf8, InputError, parseJsonText, unstorableTextError } from "@blessed-horizon/service-kit";
import { SignatureError, verifySignature } from "../domain/webhook-signature.js";
import type { PaymentDeps } from "../service/deps.js";
import { applyProviderEvent, parseProviderEvent } from "../service/webhooks.js";
import type { ServiceApp } from "@blessed-horizon/service-kit";

/**
 * POST /api/v1/webhooks/provider. The signature covers the exact bytes sent,
 * so this route (in its own plugin scope) reads the raw bytes instead of
 * parsed JSON, and refuses what the kit's JSON parser refuses itself.
 */
export function registerWebhookRoutes(app: ServiceApp, deps: PaymentDeps & { webhookSecret: string }): void {
  void app.register((scope, _options, done) => {
    scope.removeAllContentTypeParsers();
    // The bytes as sent: a string parser would decode invalid UTF-8 as U+FFFD.
    scope.addContentTypeParser("application/json", { parseAs: "buffer" }, (_request, body, next) => next(null, body));
    scope.post(
      "/api/v1/webhooks/provider",
      { schema: { tags: ["webhooks"], summary: "Provider events, signed with Stripe's scheme (Stripe-Signature: t=..,v1=..)" } },
      async (request) => {
        // UTF-8 with the BOM kept, so the text is exactly the signed bytes.
        const raw = Buffer.isBuffer(request.body) ? decodeUtf8(request.body, "the webhook body", { keepBom: true }) : "";
        const header = request.headers["stripe-signature"];
        try {
          verifySignature(raw, Array.isArray(header) ? header[0] : header, deps.webhookSecret, Math.floor((deps.now?.() ?? new Date()).getTime() / 1000));
        } catch (error) {
          if (error instanceof SignatureError) throw new InputError(error.message, { code: "BH_BAD_SIGNATURE", cause: error });
          throw error;
        }
        // As on every other route: too deep is refused before anything recurses, and NUL or an unpaired
        // surrogate anywhere is a 400 naming the field, whether or not the field is stored.
        const json = parseJsonText(raw);
        const unstorable = unstorableTextError("body", json);
        if (unstorable) throw unstorable;
        const event = parseProviderEvent(json);
        const applied = await applyProviderEvent(deps, event);
        return { received: true, applied };
      },
    );
    done();
  });
}
