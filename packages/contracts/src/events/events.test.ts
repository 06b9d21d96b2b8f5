import { describe, expect, it } from "vitest";
import { createEvent, EVENT_TYPES, InvalidEventError, parseEvent, UnknownEventTypeError } from "./index.js";

const usd = (amount: number) => ({ amount, currency: "USD" });

describe("platform events", () => {
  it("names every event of issue 5", () => {
    expect(EVENT_TYPES.sort()).toEqual([
      "campaign.ended", "campaign.goal_reached", "campaign.paused", "campaign.published", "campaign.reinstated", "campaign.suspended",
      "donation.failed", "donation.refunded", "donation.succeeded",
      "notification.dead_lettered", "notification.delivered", "notification.failed",
      "trust.decision",
    ]);
  });

  it("creates an envelope with a uuid, a timestamp and validated data", () => {
    const event = createEvent("donation.succeeded", {
      donationId: "d1", campaignId: "c1", amount: usd(1000), tip: usd(100), fee: usd(59), email: "a@example.org",
    }, new Date("2026-01-02T03:04:05Z"));
    expect(event.eventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(event.occurredAt).toBe("2026-01-02T03:04:05.000Z");
    expect(event.data.amount).toEqual(usd(1000));
    expect(parseEvent(JSON.parse(JSON.stringify(event)))).toEqual(event);
  });

  it("refuses money as a float and names the field", () => {
    expect(() => createEvent("donation.failed", { donationId: "d", campaignId: "c", amount: usd(10.5), reason: "card_declined" }))
      .toThrow(/amount\.amount/);
  });

  it("refuses unknown types and broken envelopes", () => {
    expect(() => parseEvent({ eventId: "5b1f0c56-5f43-4a53-9c7e-7d7e2f0b8b11", type: "donation.exploded", occurredAt: "2026-01-01T00:00:00Z", data: {} }))
      .toThrow(UnknownEventTypeError);
    expect(() => parseEvent({ type: "donation.succeeded" })).toThrow(InvalidEventError);
    expect(() => parseEvent(null)).toThrow(InvalidEventError);
  });

  it("validates trust decisions and notification events", () => {
    expect(() => createEvent("trust.decision", { assessmentId: "a", kind: "donation", subjectId: "d", score: 101, decision: "block", reasons: [] })).toThrow(InvalidEventError);
    const e = createEvent("notification.dead_lettered", { notificationId: "n", recipientId: "r", channel: "email", category: "receipt", attempts: 8, error: "smtp down" });
    expect(e.type).toBe("notification.dead_lettered");
  });
});
