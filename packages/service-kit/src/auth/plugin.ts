import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { ForbiddenError, UnauthorizedError } from "../errors.js";
import type { AuthUser, Role, Verifier } from "./tokens.js";
import { TokenError } from "./tokens.js";

/** A hook usable as `onRequest` or `preHandler`. */
export type AuthHook = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

declare module "fastify" {
  interface FastifyInstance {
    /** Hook: requires a valid bearer token (401 otherwise) and sets `request.user`. */
    authenticate: AuthHook;
    /** Hook: like `authenticate` when an Authorization header is present (401 if bad); anonymous otherwise. */
    identify: AuthHook;
    /** Hook: authenticates, then requires one of `roles` (403 otherwise). `admin` passes every check. */
    requireRole(...roles: Role[]): AuthHook;
  }
  interface FastifyRequest {
    /** The caller, once `authenticate` or `requireRole` ran. */
    user: AuthUser | undefined;
  }
}

// RFC 7235 §2.1: the auth scheme is case-insensitive ("bearer" is as good as "Bearer").
const BEARER = /^Bearer\s+([A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]*)\s*$/i;

async function authenticateWith(verifier: Verifier, request: FastifyRequest): Promise<AuthUser> {
  if (request.user !== undefined) return request.user;
  const header = request.headers.authorization;
  if (header === undefined || header === "") {
    throw new UnauthorizedError("this endpoint needs an Authorization: Bearer <token> header");
  }
  const match = BEARER.exec(header);
  if (match?.[1] === undefined) throw new UnauthorizedError("the Authorization header must be 'Bearer <JWT>'");
  try {
    request.user = await verifier.verify(match[1]);
    return request.user;
  } catch (error) {
    if (error instanceof TokenError) throw new UnauthorizedError(error.message, { cause: error });
    throw error;
  }
}

export const authPlugin = fp(
  (app: FastifyInstance, options: { verifier: Verifier }, done: (error?: Error) => void) => {
    const { verifier } = options;
    app.decorateRequest("user", undefined);
    app.decorate("authenticate", async (request: FastifyRequest) => {
      await authenticateWith(verifier, request);
    });
    app.decorate("identify", async (request: FastifyRequest) => {
      if (request.headers.authorization !== undefined) await authenticateWith(verifier, request);
    });
    app.decorate("requireRole", (...roles: Role[]): AuthHook => {
      return async (request) => {
        const user = await authenticateWith(verifier, request);
        if (user.roles.includes("admin") || roles.some((role) => user.roles.includes(role))) return;
        throw new ForbiddenError(`this action needs the role ${roles.join(" or ")}`);
      };
    });
    done();
  },
  { name: "blessed-horizon-auth", fastify: "5.x" },
);
