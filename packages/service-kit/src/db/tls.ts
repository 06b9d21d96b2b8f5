import { readFileSync } from "node:fs";
import type { ConnectionOptions } from "node:tls";
import { DatabaseError } from "./database.js";

/**
 * The TLS modes DATABASE_URL may name, with the meaning lib/pq v1.10.9 gives
 * them (ssl.go `ssl()`): lib/pq is golang-migrate's postgres driver, so the
 * db-migrate Job reads the same URL the same way. node-postgres on its own
 * does not (pg-connection-string 2.14.1 takes `require` and `verify-ca` as
 * verify-full unless `uselibpqcompat=true`), so the kit decides and passes
 * `ssl` explicitly.
 *
 * - `disable`: no TLS.
 * - `require`: TLS, the certificate not checked; with an `sslrootcert` file
 *   that exists, as `verify-ca` (lib/pq and libpq, for compatibility).
 * - `verify-ca`: TLS, the chain checked against `sslrootcert` (else the
 *   system roots), the host name not.
 * - `verify-full`: TLS, chain and host name checked.
 *
 * lib/pq refuses every other mode (`allow`, `prefer`, `no-verify`, ...), so
 * the kit refuses them too. Without any sslmode lib/pq means `require`; so
 * does the kit, except for a loopback host or a Unix socket, which mean
 * `disable` (TLS to the same machine protects nothing, and local and CI
 * PostgreSQL servers have none; a db-migrate Job never connects to loopback).
 */
type SslMode = "disable" | "require" | "verify-ca" | "verify-full";

const SSL_MODES: readonly SslMode[] = ["disable", "require", "verify-ca", "verify-full"];

/** lib/pq's TLS parameters (conn.go isDriverSetting); the kit reads them, pg-connection-string never sees them. */
const TLS_PARAMETERS = ["sslmode", "sslrootcert", "sslcert", "sslkey", "sslinline", "sslsni"];

/**
 * node-postgres' own TLS parameters. lib/pq does not know them and sends them
 * to the server as run-time settings, which refuses them ("unrecognized
 * configuration parameter"): the db-migrate Job would fail on the same URL.
 */
const NODE_ONLY_PARAMETERS = ["ssl", "uselibpqcompat", "sslnegotiation", "sslpassword"];

/** What `openPostgres` gives `pg.Pool`: the URL without its TLS parameters, and the TLS it means. */
interface PgConnection {
  connectionString: string;
  ssl: false | ConnectionOptions;
  /** The mode in effect, after the default. */
  mode: SslMode;
}

function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, "$1").toLowerCase();
  return bare === "" || bare === "localhost" || bare === "::1" || /^127(?:\.\d{1,3}){3}$/.test(bare) || bare.startsWith("/") || bare.startsWith("%2f");
}

function readPem(what: string, path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    throw new DatabaseError(`DATABASE_URL ${what} ${path} cannot be read: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

const exists = (path: string): boolean => {
  try {
    readFileSync(path);
    return true;
  } catch {
    return false;
  }
};

/**
 * Reads `url`'s TLS settings (URL parameters first, then PGSSLMODE,
 * PGSSLROOTCERT, PGSSLCERT, PGSSLKEY, as lib/pq does) into explicit `pg`
 * options. A mode lib/pq would refuse is a `DatabaseError` naming it.
 */
export function pgConnection(url: string, env: NodeJS.ProcessEnv = process.env): PgConnection {
  let hostname: string;
  try {
    // An empty host (`postgres://app@/db?host=/run/postgresql`, a Unix socket) is no WHATWG URL; pg-connection-string stands in a dummy host too.
    hostname = url.includes("@/") ? "" : decodeURIComponent(new URL(url).hostname);
  } catch (error) {
    throw new DatabaseError("DATABASE_URL is not a URL", { cause: error });
  }
  const query = url.indexOf("?");
  const params = new URLSearchParams(query < 0 ? "" : url.slice(query + 1));
  const setting = (name: string, envName: string): string | undefined => {
    const value = params.get(name) ?? env[envName];
    return value === undefined || value === "" ? undefined : value;
  };
  const nodeOnly = NODE_ONLY_PARAMETERS.filter((name) => params.has(name));
  if (nodeOnly.length > 0) {
    throw new DatabaseError(
      `DATABASE_URL parameter ${nodeOnly.join(", ")} is node-postgres's own: the db-migrate Job's lib/pq sends it to the server, which refuses it; ` +
        "say sslmode=disable, require, verify-ca or verify-full instead",
    );
  }
  const given = setting("sslmode", "PGSSLMODE");
  const host = params.get("host") ?? hostname;
  const mode = (given ?? (isLoopback(host) ? "disable" : "require")) as SslMode;
  if (!SSL_MODES.includes(mode)) {
    throw new DatabaseError(
      `DATABASE_URL sslmode "${mode}" is not supported: use one of ${SSL_MODES.join(", ")}. ` +
        "The db-migrate Job's golang-migrate (lib/pq) refuses any other mode, and the services read the URL the same way",
    );
  }
  // lib/pq: sslinline=true means the three values are the PEM text itself, not file names.
  const inline = params.get("sslinline") === "true";
  const rootCert = setting("sslrootcert", "PGSSLROOTCERT");
  const cert = setting("sslcert", "PGSSLCERT");
  const key = setting("sslkey", "PGSSLKEY");
  for (const name of TLS_PARAMETERS) params.delete(name);
  const rest = params.toString();
  const connectionString = `${query < 0 ? url : url.slice(0, query)}${rest === "" ? "" : `?${rest}`}`;
  if (mode === "disable") return { connectionString, ssl: false, mode };

  const pem = (what: string, value: string): string => (inline ? value : readPem(what, value));
  const ssl: ConnectionOptions = {};
  if (cert !== undefined) ssl.cert = pem("sslcert", cert);
  if (key !== undefined) ssl.key = pem("sslkey", key);
  // lib/pq: require with an existing sslrootcert file is verify-ca; a missing file is ignored.
  const verify = mode === "require" && rootCert !== undefined && (inline || exists(rootCert)) ? "verify-ca" : mode;
  if (verify === "require") {
    ssl.rejectUnauthorized = false;
    return { connectionString, ssl, mode };
  }
  ssl.rejectUnauthorized = true;
  if (rootCert !== undefined) ssl.ca = pem("sslrootcert", rootCert);
  // verify-ca checks the chain only: no host name check.
  if (verify === "verify-ca") ssl.checkServerIdentity = () => undefined;
  return { connectionString, ssl, mode };
}
