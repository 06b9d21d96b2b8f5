import { describe, expect, it } from "vitest";
import { ConfigError } from "../config/config.js";
import { readNatsSettings } from "./settings.js";

describe("readNatsSettings", () => {
  it("reads each environment's stream, subject prefix and durable prefix", () => {
    expect(readNatsSettings({ NATS_STREAM: "BLESSED_HORIZON_STAGING", NATS_SUBJECT_PREFIX: "staging.events", NATS_DURABLE_PREFIX: "staging" })).toEqual({
      stream: "BLESSED_HORIZON_STAGING",
      subjectPrefix: "staging.events",
      durablePrefix: "staging",
    });
  });

  it("falls back to one local environment's defaults when unset or empty", () => {
    expect(readNatsSettings({ NATS_STREAM: "", NATS_SUBJECT_PREFIX: undefined })).toEqual({ stream: "BLESSED_HORIZON", subjectPrefix: "events" });
  });

  it("refuses names NATS would refuse, naming each variable", () => {
    let error: unknown;
    try {
      readNatsSettings({ NATS_STREAM: "blessed.horizon", NATS_SUBJECT_PREFIX: "events.>", NATS_DURABLE_PREFIX: "a b" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variables).toEqual(["NATS_STREAM", "NATS_SUBJECT_PREFIX", "NATS_DURABLE_PREFIX"]);
  });
});
