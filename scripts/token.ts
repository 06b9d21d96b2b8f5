/**
 * `npm run -s token -- --sub alice --roles organizer`: prints a development
 * JWT for local calls (Authorization: Bearer <token>), signed with JWT_SECRET
 * or, when unset, the development secret the services use by default. It
 * reads the services' JWT_ISSUER, JWT_AUDIENCE and JWT_MAX_LIFETIME_SECONDS
 * too, so that the token it prints is one they accept.
 */
import { parseArgs } from "node:util";
import { baseConfigSchema, DEVELOPMENT_JWT_SECRET, ROLES, signToken } from "@blessed-horizon/service-kit";
import type { Role } from "@blessed-horizon/service-kit";
import { parseDuration } from "../packages/horizon/src/core/duration.js";


const tokenSettings = baseConfigSchema.pick({ JWT_ISSUER: true, JWT_AUDIENCE: true, JWT_MAX_LIFETIME_SECONDS: true });

const HELP = `Usage: npm run -s token -- --sub <id> [--roles r1,r2] [--ttl 1h]

Prints a development JWT (HS256) for local calls to the services.

Options:
  --sub <id>        the caller's id (claim "sub"), e.g. alice
  --roles <list>    comma-separated, from: ${ROLES.join(", ")} (default: none)
  --ttl <duration>  lifetime, e.g. 30m, 1h, 12h (default: 1h); at most what the
                    services accept, JWT_MAX_LIFETIME_SECONDS (default 86400 s = 24h)
  --json            print {"token": ..., "sub": ..., "roles": [...]} instead
  -h, --help        show this help

Signed with JWT_SECRET when set, else the services' development secret; carries
iss = JWT_ISSUER and aud = JWT_AUDIENCE when those are set.`;

async function tokenCommand(argv: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; out: string }> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        sub: { type: "string" },
        roles: { type: "string", default: "" },
        ttl: { type: "string", default: "1h" },
        json: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
  } catch (error) {
    return { code: 2, out: `token: ${error instanceof Error ? error.message : String(error)}\n\n${HELP}` };
  }
  if (values.help) return { code: 0, out: HELP };
  if (values.sub === undefined || values.sub.trim() === "") return { code: 2, out: "token: --sub is required (e.g. --sub alice)" };
  const roles = values.roles.split(",").map((r) => r.trim()).filter((r) => r !== "");
  const unknown = roles.filter((r) => !(ROLES as readonly string[]).includes(r));
  if (unknown.length > 0) return { code: 2, out: `token: unknown role ${unknown.join(", ")}; roles are ${ROLES.join(", ")}` };
  // At least a second: a token that expires as it is made is no token.
  const ttlMs = parseDuration(values.ttl, ["s", "m", "h", "d", "w"]);
  if (ttlMs === undefined) return { code: 2, out: `token: --ttl must look like 30m, 1h or 12h, got "${values.ttl}"` };
  if (ttlMs < 1000) return { code: 2, out: `token: --ttl must be at least 1s, got "${values.ttl}"` };
  const settings = tokenSettings.safeParse(Object.fromEntries(Object.entries(env).filter(([, value]) => value !== "")));
  if (!settings.success) {
    return { code: 2, out: `token: ${settings.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ")}` };
  }
  const seconds = Math.floor(ttlMs / 1000);
  const max = settings.data.JWT_MAX_LIFETIME_SECONDS;
  if (seconds > max) {
    return { code: 2, out: `token: --ttl ${values.ttl} is longer than the services accept (JWT_MAX_LIFETIME_SECONDS = ${max} s)` };
  }
  const secret = env.JWT_SECRET !== undefined && env.JWT_SECRET !== "" ? env.JWT_SECRET : DEVELOPMENT_JWT_SECRET;
  const address = { issuer: settings.data.JWT_ISSUER, audience: settings.data.JWT_AUDIENCE };
  const token = await signToken({ sub: values.sub.trim(), roles: roles as Role[] }, secret, seconds, address);
  return { code: 0, out: values.json ? JSON.stringify({ token, sub: values.sub.trim(), roles }) : token };
}

const result = await tokenCommand(process.argv.slice(2), process.env);
(result.code === 0 ? process.stdout : process.stderr).write(`${result.out}\n`);
process.exitCode = result.code;
