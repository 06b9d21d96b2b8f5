import { execFileSync } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
import { createServer } from "node:net";
import type { AddressInfo, Server, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TLSSocket } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DatabaseError, openDatabase } from "./database.js";
import { pgConnection } from "./tls.js";

// One meaning of DATABASE_URL's sslmode for the services and the db-migrate Job.
// The Job's golang-migrate v4.18.3 connects with lib/pq v1.10.9 (go.mod); its ssl.go `ssl()`:
//   "" and "require": TLS with InsecureSkipVerify; an sslrootcert file that exists makes it verify-ca;
//   "verify-ca": chain checked (sslVerifyCertificateAuthority), host name not; "verify-full": ServerName = host;
//   "disable": no TLS; anything else: `unsupported sslmode %q; only "require" (default), "verify-full", "verify-ca", and "disable" supported`.
// node-postgres alone (pg-connection-string 2.14.1, brianc/node-postgres packages/pg-connection-string/index.js)
// takes prefer, require and verify-ca as verify-full unless uselibpqcompat=true.

describe("pgConnection: sslmode as lib/pq reads it", () => {
  const noEnv = {};
  it("disable: no TLS", () => {
    expect(pgConnection("postgres://app@db.internal:5432/x?sslmode=disable", noEnv)).toEqual({ connectionString: "postgres://app@db.internal:5432/x", ssl: false, mode: "disable" });
  });

  it("require: TLS without checking the certificate (pg-connection-string alone would check it fully)", () => {
    expect(pgConnection("postgres://app@db.internal/x?sslmode=require", noEnv).ssl).toEqual({ rejectUnauthorized: false });
  });

  it("verify-ca: the chain checked, the host name not", () => {
    const { ssl } = pgConnection("postgres://app@db.internal/x?sslmode=verify-ca", noEnv);
    expect(ssl).toMatchObject({ rejectUnauthorized: true });
    expect(ssl && ssl.checkServerIdentity?.("db.internal", {} as never)).toBeUndefined();
  });

  it("verify-full: chain and host name checked (Node's default check)", () => {
    expect(pgConnection("postgres://app@db.internal/x?sslmode=verify-full", noEnv).ssl).toEqual({ rejectUnauthorized: true });
  });

  it("no sslmode: require, as lib/pq; but disable for a loopback host or a Unix socket", () => {
    expect(pgConnection("postgres://app@db.internal/x", noEnv)).toMatchObject({ mode: "require", ssl: { rejectUnauthorized: false } });
    for (const url of ["postgres://postgres@127.0.0.1:5432/test", "postgres://app@localhost/x", "postgres://app@[::1]/x", "postgres://app@/x?host=/var/run/postgresql"]) {
      expect(pgConnection(url, noEnv)).toMatchObject({ mode: "disable", ssl: false });
    }
  });

  it("takes PGSSLMODE when the URL names no sslmode, and the URL's over it (lib/pq conn.go parseEnviron)", () => {
    expect(pgConnection("postgres://app@127.0.0.1/x", { PGSSLMODE: "require" }).mode).toBe("require");
    expect(pgConnection("postgres://app@db.internal/x?sslmode=disable", { PGSSLMODE: "verify-full" }).mode).toBe("disable");
  });

  it.each(["prefer", "allow", "no-verify", "verify_full", "REQUIRE"])("refuses sslmode=%s, which lib/pq refuses, naming the modes it takes", (mode) => {
    const error = (() => {
      try {
        return pgConnection(`postgres://app@db.internal/x?sslmode=${mode}`, noEnv);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(DatabaseError);
    expect((error as Error).message).toContain(`sslmode "${mode}" is not supported: use one of disable, require, verify-ca, verify-full`);
  });

  it("keeps TLS parameters away from pg-connection-string and keeps the rest", () => {
    expect(pgConnection("postgres://app:pw@db.internal:6432/x?sslmode=require&sslsni=1&application_name=svc", noEnv).connectionString).toBe(
      "postgres://app:pw@db.internal:6432/x?application_name=svc",
    );
  });

  // lib/pq v1.10.9 conn.go isDriverSetting: any other parameter goes to the server as a run-time setting.
  it.each(["ssl=true", "uselibpqcompat=true", "sslnegotiation=direct", "sslpassword=x"])("refuses node-postgres's own %s, which the Job's lib/pq would send to the server", (param) => {
    expect(() => pgConnection(`postgres://app@db.internal/x?sslmode=require&${param}`, noEnv)).toThrow(
      new RegExp(`parameter ${param.split("=")[0] ?? ""} is node-postgres's own`),
    );
  });

  it("sslinline=true: the certificate parameters are the PEM text (lib/pq sslClientCertificates)", () => {
    const ca = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    expect(pgConnection(`postgres://app@db.internal/x?sslmode=verify-full&sslinline=true&sslrootcert=${encodeURIComponent(ca)}`, noEnv).ssl).toEqual({ rejectUnauthorized: true, ca });
  });

  it("says which certificate file it cannot read", () => {
    expect(() => pgConnection("postgres://app@db.internal/x?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem", noEnv)).toThrow(
      /sslrootcert \/nonexistent\/ca\.pem cannot be read/,
    );
  });
});

/**
 * A stand-in PostgreSQL server that answers SSLRequest with 'S' and completes
 * a TLS handshake with a self-signed certificate for db.internal, then hangs
 * up. It records what each connection got to: plain (a StartupMessage), tls
 * (handshake completed) or refused (the client broke off the handshake).
 */
async function tlsServer(key: string, cert: string): Promise<{ server: Server; port: number; seen: string[] }> {
  const seen: string[] = [];
  const server = createServer((socket: Socket) => {
    socket.once("data", (data) => {
      if (data.length >= 8 && data.readInt32BE(4) === 80877103) {
        socket.write("S");
        const secure = new TLSSocket(socket, { isServer: true, key, cert });
        let done = false;
        secure.on("secure", () => {
          done = true;
          seen.push("tls");
          secure.destroy();
        });
        secure.on("error", () => undefined);
        secure.on("close", () => {
          if (!done) seen.push("refused");
        });
      } else {
        seen.push("plain");
        socket.destroy();
      }
    });
    socket.on("error", () => undefined);
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  return { server, port: (server.address() as AddressInfo).port, seen };
}

const openssl = (() => {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!openssl)("openDatabase against a TLS server with a self-signed certificate (needs openssl)", () => {
  let dir: string;
  let stub: { server: Server; port: number; seen: string[] };
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "bh-tls-"));
    execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=db.internal", "-addext", "subjectAltName=DNS:db.internal",
      "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")], { stdio: "ignore" });
    stub = await tlsServer(await readFile(join(dir, "key.pem"), "utf8"), await readFile(join(dir, "cert.pem"), "utf8"));
  });
  afterAll(async () => {
    await new Promise((done) => stub.server.close(done));
  });

  /** What the server saw from one openDatabase with `query` (the connection itself fails: the stand-in speaks no further). */
  async function attempt(query: string): Promise<string | undefined> {
    const before = stub.seen.length;
    const error = await openDatabase({ url: `postgres://app@127.0.0.1:${stub.port}/x?${query}`, poolMax: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseError);
    await new Promise((done) => setTimeout(done, 50));
    return stub.seen[before];
  }

  it.each([
    ["sslmode=disable", "plain"],
    // lib/pq: require does not check the certificate; pg-connection-string alone refuses the self-signed one.
    ["sslmode=require", "tls"],
    ["sslmode=verify-full", "refused"],
  ])("%s: %s", async (query, outcome) => {
    expect(await attempt(query)).toBe(outcome);
  });

  it("verify-ca with the certificate as sslrootcert: the chain is checked, not the name (127.0.0.1 is not db.internal)", async () => {
    expect(await attempt(`sslmode=verify-ca&sslrootcert=${join(dir, "cert.pem")}`)).toBe("tls");
    expect(await attempt(`sslmode=verify-full&sslrootcert=${join(dir, "cert.pem")}`)).toBe("refused");
  });

  it("require with an sslrootcert that exists is verify-ca (lib/pq and libpq, for compatibility)", async () => {
    const other = await mkdtemp(join(tmpdir(), "bh-tls-other-"));
    execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=other", "-keyout", join(other, "k.pem"), "-out", join(other, "c.pem")], { stdio: "ignore" });
    expect(await attempt(`sslmode=require&sslrootcert=${join(other, "c.pem")}`)).toBe("refused");
    expect(await attempt(`sslmode=require&sslrootcert=${join(dir, "cert.pem")}`)).toBe("tls");
  });

  it("refuses sslmode=prefer before connecting", async () => {
    const before = stub.seen.length;
    const error = await openDatabase({ url: `postgres://app@127.0.0.1:${stub.port}/x?sslmode=prefer` }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseError);
    expect((error as Error).message).toMatch(/sslmode "prefer" is not supported/);
    expect(stub.seen.length).toBe(before);
  });
});
