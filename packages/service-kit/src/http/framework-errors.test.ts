import { connect } from "node:net";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { json, kitApp, thingsMigrations } from "../../test/helpers.js";
import type { Database } from "../db/database.js";
import { openDatabase } from "../db/database.js";

/** Sends raw bytes and reads until the server closes the connection. */
function rawRequest(port: number, data: string): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, "127.0.0.1", () => socket.end(data));
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", reject);
    socket.setTimeout(5_000, () => socket.destroy(new Error("the server did not close the connection")));
    socket.on("close", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const [head = "", body = ""] = text.split("\r\n\r\n", 2);
      const [statusLine = "", ...headerLines] = head.split("\r\n");
      const headers = Object.fromEntries(
        headerLines.map((line) => [line.slice(0, line.indexOf(":")).toLowerCase(), line.slice(line.indexOf(":") + 1).trim()]),
      );
      resolve({ status: Number(statusLine.split(" ")[1]), headers, body });
    });
  });
}

describe("framework and HTTP parser errors are problem+json", () => {
  let db: Database;
  let app: FastifyInstance;
  let port: number;
  beforeAll(async () => {
    db = await openDatabase({ memory: true });
    app = await kitApp(db, await thingsMigrations());
    app.get("/things/:id", (request, reply) => reply.send({ params: request.params }));
    app.post("/things", (request, reply) => reply.send({ body: request.body }));
    await app.listen({ port: 0, host: "127.0.0.1" });
    port = (app.server.address() as { port: number }).port;
  });
  afterAll(async () => {
    await app.close();
    await db.close();
  });

  it("answers a path that is not valid percent-encoded UTF-8 with 400", async () => {
    const response = await app.inject("/things/%ff%fe");
    expect(response.statusCode).toBe(400);
    expect(response.headers["content-type"]).toContain("application/problem+json");
    expect(json(response)).toMatchObject({ status: 400, code: "BH_BAD_URL", detail: expect.stringContaining("percent-encoded") as string });
    expect(response.headers["x-request-id"]).toBe(json(response).requestId);
  });

  it("answers a path parameter longer than the router allows with 414", async () => {
    const response = await app.inject(`/things/${"x".repeat(500)}`);
    expect(response.statusCode).toBe(414);
    expect(response.headers["content-type"]).toContain("application/problem+json");
    expect(json(response)).toMatchObject({ status: 414, code: "BH_URI_TOO_LONG", title: "URI Too Long", detail: expect.stringContaining("100 characters") as string });
  });

  const problemOf = async (data: string) => {
    const response = await rawRequest(port, data);
    expect(response.headers["content-type"]).toBe("application/problem+json");
    expect(Number(response.headers["content-length"])).toBe(Buffer.byteLength(response.body));
    expect(response.body).not.toMatch(/\n\s+at |HPE_|node:/);
    const problem = JSON.parse(response.body) as Record<string, unknown>;
    expect(response.headers["x-request-id"]).toBe(problem.requestId);
    return { status: response.status, problem };
  };

  it("answers headers too large for Node's parser with 431 and closes the connection", async () => {
    const { status, problem } = await problemOf(`GET /things/1 HTTP/1.1\r\nHost: localhost\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`);
    expect(status).toBe(431);
    expect(problem).toMatchObject({ status: 431, code: "BH_HEADERS_TOO_LARGE", title: "Request Header Fields Too Large" });
    expect(problem.detail).toContain("headers");
  });

  it("answers a bad chunk size with 400 naming the chunked encoding", async () => {
    const request = "POST /things HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n";
    const { status, problem } = await problemOf(request);
    expect(status).toBe(400);
    expect(problem).toMatchObject({ status: 400, code: "BH_BAD_HTTP_REQUEST", detail: expect.stringContaining("chunk") as string });
  });

  it.each([
    ["Content-Length: 2\r\nTransfer-Encoding: chunked"],
    ["Transfer-Encoding: chunked\r\nContent-Length: 2"],
  ])("answers Content-Length together with Transfer-Encoding (%j) with 400 naming both", async (lengths) => {
    const request = `POST /things HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n${lengths}\r\n\r\n2\r\n{}\r\n0\r\n\r\n`;
    const { status, problem } = await problemOf(request);
    expect(status).toBe(400);
    expect(problem).toMatchObject({ status: 400, code: "BH_BAD_HTTP_REQUEST", detail: expect.stringMatching(/Content-Length and Transfer-Encoding/) as string });
  });

  it("answers a request line that is not HTTP with 400", async () => {
    const { status, problem } = await problemOf("HELLO THERE\r\n\r\n");
    expect(status).toBe(400);
    expect(problem).toMatchObject({ status: 400, code: "BH_BAD_HTTP_REQUEST", type: "https://blessedhorizon.org/problems/bad-http-request" });
    expect(problem.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("still serves well-formed requests on the same server", async () => {
    const response = await fetch(`http://127.0.0.1:${port}/things/7`);
    expect(await response.json()).toEqual({ params: { id: "7" } });
  });
});
