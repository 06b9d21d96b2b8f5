import { describe, expect, it } from "vitest";
import type { CampaignAction, CampaignStatus } from "./campaign.js";
import { ACTIONS, CAMPAIGN_STATUSES, canView, editRefusal, percentOfGoal, transition } from "./campaign.js";
import { decodeCursor, encodeCursor } from "./cursor.js";

const allowed: Record<CampaignAction, [CampaignStatus, CampaignStatus][]> = {
  publish: [["draft", "pending_review"]],
  approve: [["pending_review", "active"]],
  pause: [["active", "paused"]],
  resume: [["paused", "active"]],
  end: [["active", "ended"], ["paused", "ended"]],
  suspend: [["pending_review", "suspended"], ["active", "suspended"], ["paused", "suspended"]],
  reinstate: [["suspended", "paused"]],
};

describe("lifecycle", () => {
  it("allows exactly the documented transitions", () => {
    for (const action of ACTIONS) {
      for (const status of CAMPAIGN_STATUSES) {
        const result = transition({ status, suspendedFrom: status === "suspended" ? "paused" : null }, action);
        const expected = allowed[action].find(([from]) => from === status);
        if (expected === undefined) expect(result.ok, `${action} from ${status}`).toBe(false);
        else expect(result, `${action} from ${status}`).toMatchObject({ ok: true, status: expected[1] });
      }
    }
  });

  it("remembers what a suspension interrupted and goes back there", () => {
    const suspended = transition({ status: "active", suspendedFrom: null }, "suspend");
    expect(suspended).toEqual({ ok: true, status: "suspended", suspendedFrom: "active" });
    expect(transition({ status: "suspended", suspendedFrom: "active" }, "reinstate")).toEqual({ ok: true, status: "active", suspendedFrom: null });
  });

  it("explains a refusal", () => {
    expect(transition({ status: "ended", suspendedFrom: null }, "resume")).toEqual({
      ok: false,
      reason: "cannot resume a campaign that is ended (allowed from paused)",
    });
  });
});

describe("rules", () => {
  const campaign = { organizerId: "alice", status: "draft" as CampaignStatus };
  it("hides unpublished campaigns from everyone but the organizer, trust and admin", () => {
    expect(canView(undefined, campaign)).toBe(false);
    expect(canView({ sub: "bob", roles: ["organizer"] }, campaign)).toBe(false);
    expect(canView({ sub: "alice", roles: ["organizer"] }, campaign)).toBe(true);
    expect(canView({ sub: "tara", roles: ["trust"] }, campaign)).toBe(true);
    expect(canView(undefined, { ...campaign, status: "active" })).toBe(true);
  });

  it("lets the currency change only in a draft, and nothing change once ended", () => {
    const goal = { amount: 100, currency: "USD" };
    expect(editRefusal({ status: "draft", goal }, { goal: { amount: 5, currency: "EUR" } })).toBeUndefined();
    expect(editRefusal({ status: "active", goal }, { goal: { amount: 5, currency: "EUR" } })).toContain("only change while");
    expect(editRefusal({ status: "active", goal }, { goal: { amount: 500, currency: "USD" } })).toBeUndefined();
    expect(editRefusal({ status: "ended", goal }, { title: "x" })).toBe("a campaign that is ended cannot be edited");
  });

  it("computes percent of goal with integer math, rounded down", () => {
    expect(percentOfGoal(0, 1000)).toBe(0);
    expect(percentOfGoal(333, 1000)).toBe(33.3);
    expect(percentOfGoal(1, 3)).toBe(33.33);
    expect(percentOfGoal(2500, 1000)).toBe(250);
    expect(percentOfGoal(Number.MAX_SAFE_INTEGER - 1, Number.MAX_SAFE_INTEGER)).toBe(99.99);
  });
});

describe("cursor", () => {
  it("round-trips and refuses anything we did not issue", () => {
    const cursor = { createdAt: new Date("2026-01-02T03:04:05.678Z"), id: "0b7c3c1e-5f5a-4c1e-9a43-2f3b0d9c2e11" };
    expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
    expect(decodeCursor("garbage")).toBeUndefined();
    expect(decodeCursor(Buffer.from("2026-01-02T03:04:05.678Z|not-a-uuid").toString("base64url"))).toBeUndefined();
    expect(decodeCursor(Buffer.from("yesterday|0b7c3c1e-5f5a-4c1e-9a43-2f3b0d9c2e11").toString("base64url"))).toBeUndefined();
  });
});
