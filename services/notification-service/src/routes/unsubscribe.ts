import type { Queryable, ServiceApp } from "@blessed-horizon/service-kit";
import { decodeUtf8, InputError } from "@blessed-horizon/service-kit";
import { z } from "zod";
import { getRecipient, saveRecipient } from "../db/recipients.js";
import { CATEGORIES, type Category } from "../domain/plan.js";
import { applyPreferences } from "../domain/preferences.js";
import { verifyUnsubscribeToken } from "../domain/signing.js";

const TokenQuery = z.object({ token: z.string().min(1).max(2000) });

/**
 * Pure: an application/x-www-form-urlencoded body (RFC 8058's
 * `List-Unsubscribe=One-Click`) -> its fields. Bytes or percent-escapes that
 * are not UTF-8 are a 400 naming the field, where URLSearchParams would turn
 * them into U+FFFD.
 */
export function parseForm(body: Buffer): Record<string, string> {
  const fields: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const pair of decodeUtf8(body, "the form body").split("&")) {
    if (pair === "") continue;
    const at = pair.indexOf("=");
    const [rawName, rawValue] = at === -1 ? [pair, ""] : [pair.slice(0, at), pair.slice(at + 1)];
    const decode = (text: string, what: string) => {
      try {
        return decodeURIComponent(text.replaceAll("+", " "));
      } catch (error) {
        throw new InputError(`${what} is not percent-encoded UTF-8`, {
          code: "BH_INVALID_UTF8",
          cause: error,
          errors: [{ in: "body", path: `/${rawName}`, message: "is not percent-encoded UTF-8" }],
        });
      }
    };
    const name = decode(rawName, `the form field name ${JSON.stringify(rawName)}`);
    fields[name] = decode(rawValue, `the form field ${JSON.stringify(name)}`);
  }
  return fields;
}

/**
 * RFC 8058 one-click unsubscribe. Mail clients POST `List-Unsubscribe=One-Click`
 * to the link in `List-Unsubscribe`; the signed token is the authorisation.
 * A GET (a person clicking the link) only shows a confirmation form, because
 * link scanners follow GETs.
 */
export function registerUnsubscribeRoutes(app: ServiceApp, deps: { db: Queryable; secret: string }): void {
  app.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "buffer", bodyLimit: 1024 }, (_request, body, done) => {
    try {
      done(null, parseForm(body as Buffer));
    } catch (error) {
      done(error as Error, undefined);
    }
  });

  const claimOf = (token: string): { recipientId: string; category: Exclude<Category, "receipt"> } => {
    const claim = verifyUnsubscribeToken(deps.secret, token);
    if (!claim || !(CATEGORIES as readonly string[]).includes(claim.category) || claim.category === "receipt") {
      throw new InputError("this unsubscribe link is invalid or was altered", { code: "BH_BAD_UNSUBSCRIBE_TOKEN" });
    }
    return claim as { recipientId: string; category: Exclude<Category, "receipt"> };
  };

  app.post(
    "/api/v1/unsubscribe",
    { schema: { querystring: TokenQuery, tags: ["unsubscribe"], summary: "One-click unsubscribe (RFC 8058) from one category's email" } },
    async (request) => {
      const { recipientId, category } = claimOf(request.query.token);
      const current = await getRecipient(deps.db, recipientId);
      await saveRecipient(deps.db, recipientId, applyPreferences(current.preferences, { channels: { [category]: { email: false } } }));
      return { recipientId, category, email: false };
    },
  );

  app.get("/api/v1/unsubscribe", { schema: { querystring: TokenQuery, tags: ["unsubscribe"], summary: "Confirmation page for a clicked unsubscribe link" } }, async (request, reply) => {
    const { category } = claimOf(request.query.token);
    const action = `/api/v1/unsubscribe?token=${encodeURIComponent(request.query.token)}`;
    return reply
      .type("text/html; charset=utf-8")
      .send(
        `<!doctype html><meta charset="utf-8"><title>Unsubscribe</title><form method="post" action="${action}">` +
          `<input type="hidden" name="List-Unsubscribe" value="One-Click"><p>Stop emails about ${category.replaceAll("_", " ")}?</p>` +
          `<button type="submit">Unsubscribe</button></form>`,
      );
  });
}
