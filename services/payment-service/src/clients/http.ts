import http from "node:http";
import https from "node:https";
import { ServiceUnavailableError } from "@blessed-horizon/service-kit";

/** What a service answered: the status and the body read whole. */
export interface ServiceResponse {
  status: number;
  ok: boolean;
  /** The body as JSON; rejects when it is not JSON. */
  json(): Promise<unknown>;
}

export interface ServiceRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** The whole call, connection to last byte (default 5 s). */
  timeoutMs?: number;
}

/**
 * Keep-alive connections to the other services, reused across calls. node:http
 * rather than fetch: on the donation path (one call to trust-service per
 * donation) undici's fetch cost about a tenth of payment-service's CPU
 * (WHATWG streams and headers around every body).
 */
const agents = { "http:": new http.Agent({ keepAlive: true }), "https:": new https.Agent({ keepAlive: true }) };

function send(url: URL, init: ServiceRequest): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const transport = url.protocol === "https:" ? https : http;
    const headers = init.body === undefined ? init.headers : { ...init.headers, "content-length": String(Buffer.byteLength(init.body)) };
    const request = transport.request(url, { method: init.method ?? "GET", headers, agent: agents[url.protocol === "https:" ? "https:" : "http:"] }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("error", reject);
      response.on("end", () => {
        clearTimeout(timer);
        resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") });
      });
    });
    const timeoutMs = init.timeoutMs ?? 5_000;
    const timer = setTimeout(() => request.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    request.on("error", (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      // A kept-alive connection the server closed meanwhile: once more on a new one (both calls are safe to repeat).
      if (request.reusedSocket && error.code === "ECONNRESET") send(url, init).then(resolve, reject);
      else reject(error);
    });
    request.end(init.body);
  });
}

/** Calls another service; a network failure, timeout or 5xx becomes a 503 for our caller (never a 5xx of ours with internals). */
export async function callService(service: string, url: string, init: ServiceRequest): Promise<ServiceResponse> {
  let answer: { status: number; body: string };
  try {
    answer = await send(new URL(url), init);
  } catch (error) {
    throw new ServiceUnavailableError(`${service} is not reachable; try again later`, { code: "BH_DEPENDENCY_UNAVAILABLE", cause: error });
  }
  if (answer.status >= 500) {
    throw new ServiceUnavailableError(`${service} answered ${answer.status}; try again later`, { code: "BH_DEPENDENCY_UNAVAILABLE" });
  }
  return {
    status: answer.status,
    ok: answer.status >= 200 && answer.status < 300,
    json: () => Promise.resolve().then((): unknown => JSON.parse(answer.body)),
  };
}
