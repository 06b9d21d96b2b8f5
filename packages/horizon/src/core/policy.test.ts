import { describe, expect, it } from "vitest";
import { InputError } from "../errors.js";
import { activeFreeze, inWindow, nextOpen, scheduleBlockers, soakBlocker } from "./policy-check.js";
import { parsePolicy } from "./policy.js";
import { toInstant } from "./zoned-time.js";

// The example of CONTRACTS.md. Europe/Berlin is CET (UTC+1) in winter and CEST (UTC+2) from the last Sunday of
// March to the last Sunday of October (2026: 29 March and 25 October), per the IANA tz database's "EU" rules.
const POLICY = `
timezone: Europe/Berlin
environments:
  staging:
    autoPromote: true
    soak: 30m
  production:
    soak: 2h
    windows:
      - days: [mon, tue, wed, thu]
        from: "08:00"
        to: "17:00"
      - days: [fri]
        from: "08:00"
        to: "15:00"
    freezes:
      - from: 2026-12-23T00:00
        to: 2027-01-04T08:00
        reason: year-end freeze
`;

const at = (iso: string): number => Date.parse(iso);
const policy = parsePolicy(POLICY);

describe("promotion-policy.yaml", () => {
  it("reads the example of CONTRACTS.md", () => {
    expect(policy.timezone).toBe("Europe/Berlin");
    expect(policy.environments.staging).toMatchObject({ autoPromote: true, soakMs: 30 * 60_000 });
    expect(policy.environments.production.soakMs).toBe(2 * 3_600_000);
    expect(policy.environments.production.windows).toHaveLength(2);
  });

  it.each([
    ["an unknown key", POLICY.replace("soak: 2h", "soaks: 2h"), "environments.production: unknown key soaks"],
    ["a bad duration", POLICY.replace("soak: 2h", "soak: 2 hours"), 'environments.production.soak: "2 hours" is not a duration'],
    ["a bad time zone", POLICY.replace("Europe/Berlin", "Mars/Olympus"), "timezone: is not an IANA time zone"],
    ["a bad time of day", POLICY.replace('to: "15:00"', 'to: "25:00"'), 'environments.production.windows[1].to: "25:00" is not a time of day'],
    ["a window ending before it starts", POLICY.replace('to: "15:00"', 'to: "07:00"'), "environments.production.windows[1]: a window's from must be before its to"],
    ["a bad day", POLICY.replace("[fri]", "[friday]"), "environments.production.windows[1].days[0]"],
    ["a freeze without a reason", POLICY.replace("reason: year-end freeze", "reason: ''"), "environments.production.freezes[0].reason: a freeze needs a reason"],
    ["a bad date", POLICY.replace("2027-01-04T08:00", "2027-02-30T08:00"), 'environments.production.freezes[0].to: "2027-02-30T08:00" is not a local date and time'],
    ["auto-promotion into production", POLICY.replace("soak: 2h", "soak: 2h\n    autoPromote: true"), "production never promotes by itself"],
  ])("refuses %s, naming its path", (_what, source, message) => {
    expect(() => parsePolicy(source)).toThrow(InputError);
    expect(() => parsePolicy(source)).toThrow(message);
  });

  it("without the file there are no rules", () => {
    const none = parsePolicy(undefined);
    expect(scheduleBlockers(none, "production", at("2026-12-25T03:00:00Z"))).toEqual([]);
  });
});

describe("windows and freezes, on a fixed clock", () => {
  it("is open inside a window in the file's zone, and says when the next opens outside it", () => {
    // Tuesday 1 December 2026, 11:00 CET.
    expect(inWindow(policy, "production", at("2026-12-01T10:00:00Z"))).toBe(true);
    // 17:30 CET: after Tuesday's window; Wednesday's opens at 08:00 CET = 07:00 UTC.
    const [blocker] = scheduleBlockers(policy, "production", at("2026-12-01T16:30:00Z"));
    expect(blocker.message).toBe("production is outside its promotion windows; the next opens at 2026-12-02 08:00 Europe/Berlin (07:00 UTC)");
  });

  it("Friday's shorter window closes at 15:00 and the next opens on Monday", () => {
    // Friday 4 December 2026, 15:30 CET.
    expect(inWindow(policy, "production", at("2026-12-04T14:30:00Z"))).toBe(false);
    expect(nextOpen(policy, "production", at("2026-12-04T14:30:00Z"))).toBe(at("2026-12-07T07:00:00Z"));
  });

  it("a freeze refuses with its end and reason, and the next opening is after it", () => {
    const now = at("2026-12-28T10:00:00Z");
    expect(scheduleBlockers(policy, "production", now).map((b) => b.message)).toEqual([
      "production is frozen until 2027-01-04 08:00 Europe/Berlin (07:00 UTC): year-end freeze",
    ]);
    // 4 January 2027 is a Monday: its window opens at 08:00, the freeze's end.
    expect(nextOpen(policy, "production", now)).toBe(at("2027-01-04T07:00:00Z"));
  });

  it("an open-ended freeze has no end until it is lifted", () => {
    const frozen = parsePolicy(`${POLICY}      - from: 2026-12-01T09:00\n        reason: incident 42\n`);
    const [blocker] = scheduleBlockers(frozen, "production", at("2026-12-01T10:00:00Z"));
    expect(blocker.message).toBe("production is frozen until it is lifted (horizon release unfreeze): incident 42");
    expect(nextOpen(frozen, "production", at("2026-12-01T10:00:00Z"))).toBeUndefined();
    // Before it began, nothing was frozen.
    expect(activeFreeze(frozen, "production", at("2026-12-01T07:59:00Z"))).toBeUndefined();
  });

  it("follows the spring daylight-saving change: Monday's 08:00 is 06:00 UTC after it, 07:00 before", () => {
    // Friday 27 March 2026, 16:00 CET: closed; the next window is Monday 30 March 08:00 CEST = 06:00 UTC.
    expect(nextOpen(policy, "production", at("2026-03-27T15:00:00Z"))).toBe(at("2026-03-30T06:00:00Z"));
    // 06:30 UTC on that Monday is 08:30 CEST: open. The same UTC time a week earlier was 07:30 CET: closed.
    expect(inWindow(policy, "production", at("2026-03-30T06:30:00Z"))).toBe(true);
    expect(inWindow(policy, "production", at("2026-03-23T06:30:00Z"))).toBe(false);
  });

  it("follows the autumn change: Monday 26 October 2026 08:00 CET is 07:00 UTC", () => {
    expect(nextOpen(policy, "production", at("2026-10-23T14:00:00Z"))).toBe(at("2026-10-26T07:00:00Z"));
  });

  it("resolves local times in a gap or an overlap as Temporal's compatible mode does", () => {
    // 02:30 on 29 March 2026 does not exist in Berlin (02:00 CET jumps to 03:00 CEST): it is 03:30 CEST.
    expect(toInstant({ year: 2026, month: 3, day: 29, hour: 2, minute: 30 }, "Europe/Berlin")).toBe(at("2026-03-29T01:30:00Z"));
    // 02:30 on 25 October 2026 happens twice: the earlier, in CEST.
    expect(toInstant({ year: 2026, month: 10, day: 25, hour: 2, minute: 30 }, "Europe/Berlin")).toBe(at("2026-10-25T00:30:00Z"));
  });
});

describe("soak", () => {
  const move = { environment: "production", from: "staging", service: "payment-service", image: "reg/payment-service:9f8e7d6", label: "payment-service:9f8e7d6" };

  it("refuses an image that has not run long enough where it comes from, and says when it will be eligible", () => {
    const b = soakBlocker(policy, { ...move, deployedAt: at("2026-12-01T13:00:00Z") }, at("2026-12-01T13:40:00Z"));
    expect(b?.message).toBe("payment-service:9f8e7d6 has soaked 40 min of 2 h in staging; eligible at 2026-12-01 16:00 Europe/Berlin (15:00 UTC)");
  });

  it("passes once the soak has elapsed", () => {
    expect(soakBlocker(policy, { ...move, deployedAt: at("2026-12-01T13:00:00Z") }, at("2026-12-01T15:00:00Z"))).toBeUndefined();
  });

  it("refuses an image that never ran in the environment it comes from", () => {
    expect(soakBlocker(policy, { ...move, deployedAt: undefined }, at("2026-12-01T15:00:00Z"))?.message).toBe(
      "payment-service:9f8e7d6 has not run in staging (no deployment of it is recorded there); it needs 2 h there",
    );
  });

  it("names times in UTC alone when the policy's zone is UTC", () => {
    const utc = parsePolicy(POLICY.replace("Europe/Berlin", "UTC"));
    const b = soakBlocker(utc, { ...move, deployedAt: at("2026-12-01T13:00:00Z") }, at("2026-12-01T13:40:00Z"));
    expect(b?.message).toBe("payment-service:9f8e7d6 has soaked 40 min of 2 h in staging; eligible at 2026-12-01 15:00 UTC");
  });
});
