import Fastify from "fastify";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError } from "../config/config.js";
import type { Database } from "../db/database.js";
import { openDatabase } from "../db/database.js";
import { testConfig } from "../testing/index.js";
import { createServiceApp } from "./app.js";

// Fastify's `trustProxy` (node_modules/fastify/docs/Reference/Server.md, "trustProxy";
// lib/request.js): with a list of addresses, `request.ip` is @fastify/proxy-addr's
// closest untrusted address: from the TCP peer leftwards through X-Forwarded-For,
// skipping the trusted ones. A number (hop count) trusts nothing in Fastify 5.12.

// The Istio sidecar forwards inbound requests from 127.0.0.6 (istio/istio
// pilot/pkg/networking/util: InboundPassthroughBindIpv4).
const SIDECAR = "127.0.0.6";

async function ipSeen(trustProxy: string | undefined, remoteAddress: string, xff?: string): Promise<string> {
  const app = await appWith(trustProxy);
  try {
    const response = await app.inject({ url: "/ip", remoteAddress, headers: xff === undefined ? {} : { "x-forwarded-for": xff } });
    expect(response.statusCode).toBe(200);
    return response.json<{ ip: string }>().ip;
  } finally {
    await app.close();
  }
}

let db: Database;
async function appWith(trustProxy: string | undefined): Promise<FastifyInstance> {
  const config = testConfig(trustProxy === undefined ? {} : { TRUST_PROXY: trustProxy });
  const app = await createServiceApp({ name: "kit-test", version: "1.2.3", config, db });
  app.get("/ip", (request) => ({ ip: request.ip }));
  return app;
}

function configError(value: string): ConfigError {
  try {
    testConfig({ TRUST_PROXY: value });
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`TRUST_PROXY=${value} was accepted`);
}

describe("TRUST_PROXY", () => {
  beforeAll(async () => {
    db = await openDatabase({ memory: true });
  });
  afterAll(async () => db.close());

  it("is off by default: request.ip is the TCP peer and X-Forwarded-For is ignored", async () => {
    expect(await ipSeen(undefined, "198.51.100.20", "203.0.113.7")).toBe("198.51.100.20");
    expect(await ipSeen("false", "198.51.100.20", "203.0.113.7")).toBe("198.51.100.20");
  });

  it("trusting the sidecar's address: request.ip is the rightmost X-Forwarded-For entry (the one the gateway appended)", async () => {
    // The client sent "6.6.6.6"; the ingress gateway appended the peer it saw.
    expect(await ipSeen(SIDECAR, SIDECAR, "6.6.6.6, 203.0.113.7")).toBe("203.0.113.7");
    expect(await ipSeen(SIDECAR, SIDECAR, "203.0.113.7")).toBe("203.0.113.7");
    // No header: the peer itself.
    expect(await ipSeen(SIDECAR, SIDECAR)).toBe(SIDECAR);
  });

  it("trusts X-Forwarded-For only from the listed peers", async () => {
    // A peer outside the list (a pod reaching the app around the sidecar) cannot set its address.
    expect(await ipSeen(SIDECAR, "10.1.2.3", "203.0.113.7")).toBe("10.1.2.3");
    // A list with a CIDR: both hops trusted, the next address leftwards is the client.
    const list = `${SIDECAR}, 10.0.0.0/8`;
    expect(await ipSeen(list, SIDECAR, "6.6.6.6, 203.0.113.7, 10.20.30.40")).toBe("203.0.113.7");
    expect(await ipSeen(list, "10.9.9.9", "203.0.113.7")).toBe("203.0.113.7");
    expect(await ipSeen(list, "192.0.2.1", "203.0.113.7")).toBe("192.0.2.1");
    // IPv6 and proxy-addr's named ranges.
    expect(await ipSeen("::6", "::6", "2001:db8::1")).toBe("2001:db8::1");
    expect(await ipSeen("loopback", SIDECAR, "203.0.113.7")).toBe("203.0.113.7");
  });

  it("parses to the list Fastify is given (default false)", () => {
    expect(testConfig().TRUST_PROXY).toBe(false);
    expect(testConfig({ TRUST_PROXY: " 127.0.0.6 , ::6,10.0.0.0/255.0.0.0 " }).TRUST_PROXY).toEqual(["127.0.0.6", "::6", "10.0.0.0/255.0.0.0"]);
  });

  it("refuses a hop count because Fastify 5.12 ignores X-Forwarded-For for one (lib/request.js getTrustProxyFn)", async () => {
    const app = Fastify({ trustProxy: 1 as unknown as boolean });
    app.get("/ip", (request) => ({ ip: request.ip }));
    const response = await app.inject({ url: "/ip", remoteAddress: SIDECAR, headers: { "x-forwarded-for": "203.0.113.7" } });
    expect(response.json()).toEqual({ ip: SIDECAR });
    await app.close();
  });

  it.each([
    ["1", /hop count/],
    ["true", /every proxy/],
    ["yes", /not an IP address/],
    ["127.0.0.6,", /empty entry/],
    ["10.0.0.0/33", /prefix/],
    ["::1/129", /prefix/],
    ["10.0.0.0/255.0.255.0", /netmask/],
    ["300.1.1.1", /not an IP address/],
  ])("refuses TRUST_PROXY=%s with a config error naming it", (value, reason) => {
    const error = configError(value);
    expect(error.variables).toEqual(["TRUST_PROXY"]);
    expect(error.message).toMatch(/TRUST_PROXY: /);
    expect(error.message).toMatch(reason);
  });
});
