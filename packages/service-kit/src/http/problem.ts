import { STATUS_CODES } from "node:http";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { AppError } from "../errors.js";
import type { ProblemFieldError } from "../errors.js";

/** An RFC 9457 problem details body, plus our stable `code` and the request id. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  code: string;
  requestId: string;
  errors?: readonly ProblemFieldError[];
}

export const PROBLEM_CONTENT_TYPE = "application/problem+json";
const PROBLEM_BASE = "https://blessedhorizon.org/problems/";

/** Longest path parameter the router matches; a longer one is 414 `BH_URI_TOO_LONG`. */
export const MAX_PATH_PARAM_LENGTH = 100;

/** Fastify's own client errors, by code: our stable code and a clearer detail. */
const FASTIFY_ERRORS: Readonly<Record<string, { code: string; detail?: string }>> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { code: "BH_MALFORMED_JSON", detail: "the request body is not valid JSON" },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: "BH_MALFORMED_JSON", detail: "the request body is empty but its Content-Type is JSON" },
  FST_ERR_CTP_BODY_TOO_LARGE: { code: "BH_PAYLOAD_TOO_LARGE", detail: "the request body is too large" },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: "BH_UNSUPPORTED_MEDIA_TYPE", detail: "send the body as application/json" },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: "BH_BAD_REQUEST", detail: "Content-Length does not match the body" },
  FST_ERR_VALIDATION: { code: "BH_VALIDATION" },
  FST_ERR_BAD_URL: { code: "BH_BAD_URL", detail: "the URL path is not valid percent-encoded UTF-8" },
  FST_ERR_MAX_PARAM_LENGTH: { code: "BH_URI_TOO_LONG", detail: `a URL path segment is longer than ${MAX_PATH_PARAM_LENGTH} characters` },
};

const STATUS_CODE_NAMES: Readonly<Record<number, string>> = {
  400: "BH_BAD_REQUEST",
  401: "BH_UNAUTHORIZED",
  403: "BH_FORBIDDEN",
  404: "BH_NOT_FOUND",
  405: "BH_METHOD_NOT_ALLOWED",
  406: "BH_NOT_ACCEPTABLE",
  408: "BH_REQUEST_TIMEOUT",
  409: "BH_CONFLICT",
  413: "BH_PAYLOAD_TOO_LARGE",
  414: "BH_URI_TOO_LONG",
  415: "BH_UNSUPPORTED_MEDIA_TYPE",
  422: "BH_UNPROCESSABLE",
  429: "BH_TOO_MANY_REQUESTS",
  431: "BH_HEADERS_TOO_LARGE",
  503: "BH_UNAVAILABLE",
};

/** The problem `type` URI of one of our codes. */
export function typeFor(code: string): string {
  return PROBLEM_BASE + code.replace(/^BH_/, "").toLowerCase().replaceAll("_", "-");
}

/** Pure: any thrown value -> the problem a client sees. 5xx problems carry no internals. */
export function toProblem(error: unknown, instance: string, requestId: string): Problem {
  const base = { instance, requestId };
  if (error instanceof AppError) {
    return {
      type: typeFor(error.code),
      title: error.title,
      status: error.status,
      detail: error.message,
      code: error.code,
      ...base,
      ...(error.errors === undefined ? {} : { errors: error.errors }),
    };
  }
  const fastifyError = error as Partial<FastifyError> | undefined;
  const status = fastifyError?.statusCode;
  if (typeof status === "number" && status >= 400 && status < 500) {
    const known = FASTIFY_ERRORS[fastifyError?.code ?? ""];
    const code = known?.code ?? STATUS_CODE_NAMES[status] ?? "BH_BAD_REQUEST";
    return {
      type: typeFor(code),
      title: STATUS_CODES[status] ?? "Client Error",
      status,
      detail: known?.detail ?? fastifyError?.message ?? "the request is invalid",
      code,
      ...base,
    };
  }
  if (status === 503) {
    return { type: typeFor("BH_UNAVAILABLE"), title: "Service Unavailable", status, detail: "the service is not available right now", code: "BH_UNAVAILABLE", ...base };
  }
  return {
    type: typeFor("BH_INTERNAL"),
    title: "Internal Server Error",
    status: 500,
    detail: "something went wrong on our side; quote the request id when reporting it",
    code: "BH_INTERNAL",
    ...base,
  };
}

/** Sends a problem as application/problem+json. */
export function sendProblem(reply: FastifyReply, problem: Problem): FastifyReply {
  return reply.code(problem.status).type(PROBLEM_CONTENT_TYPE).send(problem);
}

/** A problem's `instance`: the request path without its query (which may carry credentials). */
export function instanceOf(request: Pick<FastifyRequest, "url">): string {
  const url = request.url;
  const query = url.indexOf("?");
  return query === -1 ? url : url.slice(0, query);
}

/** The one error handler and not-found handler: everything becomes problem+json. */
export const problemPlugin = fp(
  (app: FastifyInstance, _options: unknown, done: (error?: Error) => void) => {
    app.setErrorHandler((error, request, reply) => {
      const problem = toProblem(error, instanceOf(request), request.id);
      if (problem.status >= 500) request.log.error({ err: error }, "request failed");
      else request.log.debug({ code: problem.code, detail: problem.detail }, "request rejected");
      return sendProblem(reply, problem);
    });
    app.setNotFoundHandler((request, reply) => {
      return sendProblem(reply, {
        type: typeFor("BH_ROUTE_NOT_FOUND"),
        title: "Not Found",
        status: 404,
        detail: `no route ${request.method} ${instanceOf(request)}`,
        instance: instanceOf(request),
        code: "BH_ROUTE_NOT_FOUND",
        requestId: request.id,
      });
    });
    done();
  },
  { name: "blessed-horizon-problem", fastify: "5.x" },
);
