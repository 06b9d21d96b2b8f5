import { InputError } from "@blessed-horizon/service-kit";
import { SignatureError, verifySignature } from "../domain/webhook-signature.js";
import type { PaymentDeps } from "../service/deps.js";
import { applyProviderEvent, parseProviderEvent } from "../service/webhooks.js";
import type { PaymentApp } from "./types.js";

/**
 * POST /api/v1/webhooks/provider. The signature covers the exact bytes sent,
 * so this route (in its own plugin scope) reads the body as a string instead
 * of parsed JSON.
 */
export function registerWebhookRoutes(app: PaymentApp, deps: PaymentDeps & { webhookSecret: string }): void {
  void app.register((scope, _options, done) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser("application/json", { parseAs: "string" }, (_request, body, next) => next(null, body));
    scope.post(
      "/api/v1/webhooks/provider",
      { schema: { tags: ["webhooks"], summary: "Provider events, signed with Stripe's scheme (Stripe-Signature: t=..,v1=..)" } },
      async (request) => {
        const raw = typeof request.body === "string" ? request.body : "";
        const header = request.headers["stripe-signature"];
        try {
          verifySignature(raw, Array.isArray(header) ? header[0] : header, deps.webhookSecret, Math.floor((deps.now?.() ?? new Date()).getTime() / 1000));
        } catch (error) {
          if (error instanceof SignatureError) throw new InputError(error.message, { code: "BH_BAD_SIGNATURE", cause: error });
          throw error;
        }
        const event = parseProviderEvent(raw);
        const applied = await applyProviderEvent(deps, event);
        return { received: true, applied };
      },
    );
    done();
  });
}
