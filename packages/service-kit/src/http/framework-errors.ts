import { randomUUID } from "node:crypto";
import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import type { ConnectionError, FastifyBaseLogger, FastifyError, FastifyReply, FastifyRequest } from "fastify";
import type { Problem } from "./problem.js";
import { instanceOf, PROBLEM_CONTENT_TYPE, sendProblem, toProblem, typeFor } from "./problem.js";

/**
 * Fastify's `frameworkErrors`: a URL the router cannot match (bad percent
 * encoding 400, too-long parameter 414) is problem+json like every other error.
 */
export function sendFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const problem = toProblem(error, instanceOf(request), request.id);
  if (problem.status >= 500) request.log.error({ err: error }, "router failed");
  else request.log.info({ code: problem.code, statusCode: problem.status }, "request rejected by the router");
  void sendProblem(reply.header("x-request-id", request.id), problem);
}

/** Node's HTTP parser errors (llhttp codes), as the status and detail a client sees. */
const PARSER_ERRORS: Readonly<Record<string, { status: number; code: string; detail: string }>> = {
  HPE_HEADER_OVERFLOW: { status: 431, code: "BH_HEADERS_TOO_LARGE", detail: "the request line and headers are too large" },
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, code: "BH_REQUEST_TIMEOUT", detail: "the request did not arrive in time" },
  HPE_INVALID_CHUNK_SIZE: { status: 400, code: "BH_BAD_HTTP_REQUEST", detail: "the chunked body has an invalid chunk size" },
  HPE_INVALID_TRANSFER_ENCODING: { status: 400, code: "BH_BAD_HTTP_REQUEST", detail: "the Transfer-Encoding header is invalid" },
  HPE_INVALID_CONTENT_LENGTH: { status: 400, code: "BH_BAD_HTTP_REQUEST", detail: "the Content-Length header is invalid" },
};
const MALFORMED = { status: 400, code: "BH_BAD_HTTP_REQUEST", detail: "the request is not well-formed HTTP/1.1" };
// llhttp reports both headers together (request smuggling's favourite) under either header's code; its reason names both.
const BOTH_LENGTHS = { status: 400, code: "BH_BAD_HTTP_REQUEST", detail: "the request has both Content-Length and Transfer-Encoding; send only one" };

function bothLengths(reason: string | undefined): boolean {
  return reason !== undefined && reason.includes("Content-Length") && reason.includes("Transfer-Encoding");
}

/** Pure: a Node HTTP parser error -> the problem a client sees (never a 5xx, never internals). */
function clientErrorProblem(error: { code?: string | undefined; reason?: string | undefined }, requestId: string): Problem {
  const { status, code, detail } = bothLengths(error.reason) ? BOTH_LENGTHS : (PARSER_ERRORS[error.code ?? ""] ?? MALFORMED);
  // No URL was parsed, so the occurrence is named by its request id.
  return { type: typeFor(code), title: STATUS_CODES[status] ?? "Bad Request", status, detail, instance: `urn:uuid:${requestId}`, code, requestId };
}

/** The HTTP/1.1 response for a problem, written by hand: there is no request or reply object yet. */
function rawProblemResponse(problem: Problem): string {
  const body = JSON.stringify(problem);
  return (
    `HTTP/1.1 ${problem.status} ${problem.title}\r\n` +
    `Content-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
    `X-Request-Id: ${problem.requestId}\r\nConnection: close\r\n\r\n${body}`
  );
}

/**
 * Fastify's `clientErrorHandler` (the server's 'clientError' event): Node's
 * parser refused the bytes, so answer with a minimal problem+json and close
 * the connection, whose framing can no longer be trusted.
 */
export function createClientErrorHandler(logger: FastifyBaseLogger): (error: ConnectionError, socket: Socket) => void {
  return (error, socket) => {
    if (error.code === "ECONNRESET" || socket.destroyed) return;
    // As Node's own handler: never write into the middle of a response already under way on this socket.
    const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (!socket.writable || inFlight?.headersSent === true) {
      socket.destroy();
      return;
    }
    const problem = clientErrorProblem(error, randomUUID());
    // The code only: `rawPacket` holds the request's bytes, credentials included.
    logger.info({ reqId: problem.requestId, code: error.code, statusCode: problem.status }, "client error");
    socket.end(rawProblemResponse(problem), () => socket.destroy());
  };
}
