import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { FlagsClient } from "./client.js";
import { openFlags } from "./client.js";
import { booleanFlag, numberFlag, stringFlag } from "./definitions.js";
import { flag, flagsDir, flagsDocument, recordingLogger } from "./test-support.js";

const cache = booleanFlag("list-cache", false, "cache the public list");
const ttl = numberFlag("list-cache-ttl-ms", 1000, "how long", { min: 0, max: 60_000, integer: true });
const channel = stringFlag("receipt-channel", "email", "where receipts go", ["email", "sms"]);

type Cleanup = () => Promise<unknown>;
const cleanups: Cleanup[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Helpers registering their cleanups with `atEnd`: the shared list, or a concurrent test's own onTestFinished. */
function helpers(atEnd: (cleanup: Cleanup) => void) {
  return {
    open: async (file: string | undefined, retryMs = 50) => {
      const log = recordingLogger();
      const client = await openFlags({ file, logger: log.logger, retryMs });
      atEnd(() => client.close());
      return { client, ...log };
    },
    tempFlags: async (text?: string) => {
      const dir = await flagsDir();
      atEnd(dir.remove);
      if (text !== undefined) await dir.write(text);
      return dir;
    },
    atEnd,
  };
}
const { open, tempFlags } = helpers((cleanup) => void cleanups.push(cleanup));
/** For a concurrent test: its cleanups run when it ends (afterEach would close the other tests' files too). */
const own = (onTestFinished: (fn: () => Promise<void>) => void) => helpers((cleanup) => onTestFinished(async () => void (await cleanup())));

async function evaluateMany(client: FlagsClient, times = 20) {
  const values = [];
  for (let i = 0; i < times; i += 1) values.push(await client.get(cache), await client.get(ttl));
  return values;
}

describe("flags client: coded defaults", () => {
  it("without FLAGS_FILE every flag has its coded default, said once", async () => {
    const { client, lines } = await open(undefined);
    expect(await evaluateMany(client)).toEqual(Array(20).fill([false, 1000]).flat());
    expect(await client.get(channel)).toBe("email");
    expect(lines).toHaveLength(1);
    expect(lines[0]?.message).toMatch(/FLAGS_FILE is not set/);
  });

  it("a missing file: coded defaults and one line naming the file, however many evaluations", async () => {
    const dir = await tempFlags();
    const { client, warnings } = await open(dir.path);
    expect(await evaluateMany(client, 50)).toEqual(Array(50).fill([false, 1000]).flat());
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]?.message).toContain(`File not found: ${dir.path}`);
  });

  it.each([
    ["not JSON", "{\"flags\": {", /JSON/],
    ["a default variant that is not a variant", flagsDocument({ "list-cache": flag({ on: true }, "off") }), /Default variant off missing/],
  ])("an invalid file (%s): coded defaults and one line saying why", async (_what, text, why) => {
    const dir = await tempFlags(text);
    const { client, warnings } = await open(dir.path);
    expect(await evaluateMany(client, 30)).toEqual(Array(30).fill([false, 1000]).flat());
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]?.message).toMatch(/invalid flagd flag configuration/);
    expect(warnings()[0]?.message).toMatch(why);
  });
});

describe("flags client: typed evaluation and targeting", () => {
  it("gives each flag its variant, typed as declared", async () => {
    const dir = await tempFlags(
      flagsDocument({
        "list-cache": flag({ on: true, off: false }, "on"),
        "list-cache-ttl-ms": flag({ short: 250, long: 5000 }, "long"),
        "receipt-channel": flag({ email: "email", sms: "sms" }, "sms"),
      }),
    );
    const { client, warnings } = await open(dir.path);
    expect(await client.get(cache)).toBe(true);
    expect(await client.get(ttl)).toBe(5000);
    expect(await client.get(channel)).toBe("sms");
    expect(warnings()).toEqual([]);
  });

  it("a flag absent, of another type or out of the service's range: coded default, one line per flag", async () => {
    const dir = await tempFlags(
      flagsDocument({
        "list-cache-ttl-ms": flag({ forever: -1 }, "forever"),
        "receipt-channel": flag({ on: true }, "on"),
      }),
    );
    const { client, warnings } = await open(dir.path);
    for (let i = 0; i < 10; i += 1) {
      expect(await client.get(cache)).toBe(false);
      expect(await client.get(ttl)).toBe(1000);
      expect(await client.get(channel)).toBe("email");
    }
    const flagsWarned = warnings().map((line) => line.object.flag);
    expect(flagsWarned.sort()).toEqual(["list-cache", "list-cache-ttl-ms", "receipt-channel"]);
    expect(warnings().find((line) => line.object.flag === "list-cache")?.message).toMatch(/not found/);
    expect(warnings().find((line) => line.object.flag === "receipt-channel")?.message).toMatch(/does not match/);
  });

  it("targets by campaign with a rule, and rolls out by percentage of targeting keys", async () => {
    const dir = await tempFlags(
      flagsDocument({
        "list-cache-ttl-ms": flag({ short: 250, long: 5000 }, "short", {
          if: [{ in: [{ var: "campaignId" }, ["c-matching-drive", "c-telethon"]] }, "long", null],
        }),
        // flagd's shorthand: no bucketing expression hashes the flag key with targetingKey.
        "list-cache": flag({ on: true, off: false }, "off", { fractional: [["on", 25], ["off", 75]] }),
      }),
    );
    const { client } = await open(dir.path);
    expect(await client.get(ttl, { campaignId: "c-telethon" })).toBe(5000);
    expect(await client.get(ttl, { campaignId: "c-other" })).toBe(250);
    expect(await client.get(ttl)).toBe(250);

    const donors = Array.from({ length: 400 }, (_, i) => `donor-${i}`);
    const first = await Promise.all(donors.map((donorId) => client.get(cache, { targetingKey: donorId })));
    const again = await Promise.all(donors.map((donorId) => client.get(cache, { targetingKey: donorId })));
    expect(again).toEqual(first);
    const on = first.filter(Boolean).length;
    expect(on).toBeGreaterThan(60); // 25% of 400 is 100; murmur3 buckets land near it
    expect(on).toBeLessThan(140);
  });
});

// The provider sees a change of a good file through fs.watchFile, every ~5 s
// (open-feature/js-sdk-contrib libs/providers/flagd/src/lib/service/in-process/file/file-fetch.ts, 0.16.1).
const PROVIDER_POLL = { timeout: 15_000, interval: 100 };

// Concurrent: each test waits for the provider's poll.
describe.concurrent("flags client: changes without a restart", () => {
  it("a changed variant is served on the next evaluations", { timeout: 20_000 }, async ({ onTestFinished }) => {
    const { open, tempFlags } = own(onTestFinished);
    const dir = await tempFlags(flagsDocument({ "list-cache": flag({ on: true, off: false }, "off") }));
    const { client, lines } = await open(dir.path);
    expect(await client.get(cache)).toBe(false);
    await dir.write(flagsDocument({ "list-cache": flag({ on: true, off: false }, "on") }));
    await vi.waitFor(async () => expect(await client.get(cache)).toBe(true), PROVIDER_POLL);
    expect(lines.some((line) => line.message === "feature flags changed")).toBe(true);
  });

  it("a file that appears later is read; one that breaks drops to the defaults; fixed, it is read again", { timeout: 40_000 }, async ({ onTestFinished }) => {
    const { open, tempFlags } = own(onTestFinished);
    const dir = await tempFlags();
    const { client, warnings } = await open(dir.path);
    const good = flagsDocument({ "list-cache": flag({ on: true, off: false }, "on") });
    expect(await client.get(cache)).toBe(false);
    await dir.write(good);
    await vi.waitFor(async () => expect(await client.get(cache)).toBe(true), PROVIDER_POLL);

    await dir.write("{ this is not json");
    await vi.waitFor(async () => expect(await client.get(cache)).toBe(false), PROVIDER_POLL);
    await evaluateMany(client);
    expect(warnings().map((line) => line.message)).toEqual([
      expect.stringContaining("File not found"),
      expect.stringMatching(/file unusable.*invalid flagd flag configuration/),
    ]);
    await dir.write(good); // the same text as the last good file
    await vi.waitFor(async () => expect(await client.get(cache)).toBe(true), PROVIDER_POLL);
  });

  it("a ConfigMap volume update (kubelet swaps the ..data symlink to a new folder) is picked up", { timeout: 20_000 }, async ({ onTestFinished }) => {
    const { open, atEnd } = own(onTestFinished);
    // The layout of kubernetes pkg/volume/util/atomic_writer.go: <key> -> ..data/<key>, ..data -> ..<timestamp>/.
    const volume = await mkdtemp(join(tmpdir(), "bh-configmap-"));
    atEnd(() => rm(volume, { recursive: true, force: true }));
    let version = 0;
    const publish = async (text: string) => {
      const folder = `..2026_12_01_${++version}`;
      await mkdir(join(volume, folder));
      await writeFile(join(volume, folder, "flags.flagd.json"), text);
      await symlink(folder, join(volume, "..data_tmp"));
      await rename(join(volume, "..data_tmp"), join(volume, "..data"));
    };
    await publish(flagsDocument({ "list-cache-ttl-ms": flag({ short: 250, long: 5000 }, "short") }));
    await symlink("..data/flags.flagd.json", join(volume, "flags.flagd.json"));
    const { client } = await open(join(volume, "flags.flagd.json"));
    expect(await client.get(ttl)).toBe(250);
    await publish(flagsDocument({ "list-cache-ttl-ms": flag({ short: 250, long: 5000 }, "long") }));
    await vi.waitFor(async () => expect(await client.get(ttl)).toBe(5000), PROVIDER_POLL);
  });

  it("two services reading one file (the launcher): closing one leaves the other following changes", { timeout: 20_000 }, async ({ onTestFinished }) => {
    const { open, tempFlags } = own(onTestFinished);
    const dir = await tempFlags(flagsDocument({ "list-cache": flag({ on: true, off: false }, "off") }));
    const first = await open(dir.path);
    const second = await openFlags({ file: dir.path, logger: recordingLogger().logger });
    await second.close();
    expect(await second.get(cache)).toBe(false);
    await dir.write(flagsDocument({ "list-cache": flag({ on: true, off: false }, "on") }));
    await vi.waitFor(async () => expect(await first.client.get(cache)).toBe(true), PROVIDER_POLL);
  });
});
