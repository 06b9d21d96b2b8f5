import { isIP } from "node:net";
import proxyAddr from "@fastify/proxy-addr";
import { z } from "zod";
import { DEFAULT_TOKEN_POLICY } from "../auth/policy.js";

/** The fixed secret used outside production when JWT_SECRET is unset. Never use it in production. */
export const DEVELOPMENT_JWT_SECRET = "blessed-horizon-development-secret-do-not-use-in-production";

/**
 * Why `entry` is not something Fastify's `trustProxy` can use; undefined when it is. @fastify/proxy-addr (what
 * Fastify compiles the list with) decides: an address, a CIDR (IPv4 also `a/netmask`), loopback/linklocal/uniquelocal.
 */
function trustedProxyProblem(entry: string): string | undefined {
  if (entry === "") return "has an empty entry";
  try {
    proxyAddr.compile([entry]);
    return undefined;
  } catch (error) {
    if (!(error instanceof Error) || !/range/.test(error.message)) return `"${entry}" is not an IP address, CIDR, or loopback/linklocal/uniquelocal`;
    const max = isIP(entry.slice(0, entry.lastIndexOf("/"))) === 6 ? 128 : 32;
    return `"${entry}": the prefix must be a length 1 … ${max}${max === 32 ? " or a contiguous netmask" : ""}`;
  }
}

/**
 * TRUST_PROXY: `false`, or the comma-separated addresses/CIDRs of the proxies
 * whose X-Forwarded-For is believed (Fastify's `trustProxy` as a list). A hop
 * count is refused: Fastify 5.12 trusts no hop for a number.
 */
const trustProxySetting = z
  .string()
  .transform((value, ctx): false | string[] => {
    const trimmed = value.trim();
    if (trimmed.toLowerCase() === "false") return false;
    const fail = (message: string) => {
      ctx.issues.push({ code: "custom", message, input: value });
      return z.NEVER;
    };
    if (/^\d+$/.test(trimmed)) {
      return fail("a hop count is not accepted (Fastify 5.12 trusts no hop for a number); list the proxies' addresses, e.g. 127.0.0.6 for the Istio sidecar");
    }
    if (trimmed.toLowerCase() === "true") {
      return fail("true would trust every proxy, so a client could choose its own address; list the proxies' addresses");
    }
    const entries = trimmed.split(",").map((entry) => entry.trim());
    const problem = entries.map(trustedProxyProblem).find((p) => p !== undefined);
    return problem === undefined ? entries : fail(problem);
  })
  .default(false);

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/** Settings every service reads. Extend with `baseConfigSchema.extend({...})`. */
export const baseConfigSchema = z.object({
  NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
  HOST: z.string().min(1).default("0.0.0.0"),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  LOG_LEVEL: z.enum(LOG_LEVELS).default("info"),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL")
    .optional(),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(1000).default(10),
  /** Prepare statements with parameters once per connection; `false` for PgBouncer in transaction mode before 1.21. */
  DATABASE_PREPARE: z.stringbool().default(true),
  DATA_DIR: z.string().min(1).default(".data/service"),
  JWT_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
  JWKS_URL: z.url().optional(),
  /** When set, tokens must carry this `iss`. */
  JWT_ISSUER: z.string().min(1).optional(),
  /** When set, tokens must carry this `aud`. */
  JWT_AUDIENCE: z.string().min(1).optional(),
  /** Longest token lifetime accepted (`exp - iat`), at most 30 days. */
  JWT_MAX_LIFETIME_SECONDS: z.coerce.number().int().min(1).max(30 * 24 * 3600).default(DEFAULT_TOKEN_POLICY.maxLifetimeSeconds),
  /** Clock difference tolerated between the token issuer and this service. */
  JWT_CLOCK_SKEW_SECONDS: z.coerce.number().int().min(0).max(3600).default(DEFAULT_TOKEN_POLICY.clockSkewSeconds),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),
  /** A flagd flag-definition file (in Kubernetes: the mounted flags ConfigMap); unset: every flag has its coded default. */
  FLAGS_FILE: z.string().min(1).optional(),
  /** Proxies whose X-Forwarded-For sets `request.ip` (comma-separated addresses/CIDRs); `false`: the TCP peer is the client. */
  TRUST_PROXY: trustProxySetting,
});

export type BaseConfig = Omit<z.infer<typeof baseConfigSchema>, "JWT_SECRET"> & { JWT_SECRET: string };

export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(
    message: string,
    readonly variables: readonly string[],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Reads configuration from environment variables: `defaults` fill unset (or
 * empty) variables, then `schema` validates. Throws `ConfigError` naming every
 * bad variable. With NODE_ENV=production a missing JWT_SECRET (and no JWKS_URL)
 * is an error; elsewhere the development secret is used.
 */
export function loadConfig<S extends typeof baseConfigSchema>(
  schema: S,
  env: NodeJS.ProcessEnv,
  defaults: Readonly<Record<string, string>> = {},
): Omit<z.infer<S>, "JWT_SECRET"> & { JWT_SECRET: string } {
  const input: Record<string, string> = { ...defaults };
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && value !== "") input[key] = value;
  }
  const result = schema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const variable = issue.path.map(String).join(".") || "(environment)";
      const message = issue.code === "invalid_type" && input[variable] === undefined ? "is required" : issue.message;
      return { variable, text: `${variable}: ${message}` };
    });
    throw new ConfigError(
      `invalid configuration: ${problems.map((p) => p.text).join("; ")}`,
      problems.map((p) => p.variable),
      { cause: result.error },
    );
  }
  const config = result.data;
  if (config.JWT_SECRET === undefined) {
    if (config.NODE_ENV === "production" && config.JWKS_URL === undefined) {
      throw new ConfigError("invalid configuration: JWT_SECRET: is required when NODE_ENV=production", ["JWT_SECRET"]);
    }
    return { ...config, JWT_SECRET: DEVELOPMENT_JWT_SECRET };
  }
  return { ...config, JWT_SECRET: config.JWT_SECRET };
}
