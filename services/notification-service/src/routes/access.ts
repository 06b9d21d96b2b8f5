import { ForbiddenError } from "@blessed-horizon/service-kit";
import type { FastifyRequest } from "fastify";

/** A recipient's own data: the recipient (token subject) or an admin. */
export function assertSelfOrAdmin(request: FastifyRequest, recipientId: string): void {
  const user = request.user;
  if (user && (user.sub === recipientId || user.roles.includes("admin"))) return;
  throw new ForbiddenError("only the recipient or an admin may see or change this");
}
