import fc from "fast-check";
import type { FastifyInstance } from "fastify";
import type { Answer } from "./check-answer.js";
import { answerViolation } from "./check-answer.js";
import type { FuzzRequest, Operation } from "./requests.js";
import { operationsOf, requestsFor } from "./requests.js";
import type { JsonSchema, KnownValues } from "./schema-arbitrary.js";

/** How long and from where a fuzz run goes: `FUZZ_RUNS` requests per operation, `FUZZ_SEED` (a number, or "random"). */
export interface FuzzSettings {
  seed: number;
  runs: number;
}

/** Seed of CI's runs: the same requests every time, so a red run is the change's doing and replays with no setting. */
export const DEFAULT_FUZZ_SEED = 20_261_201;

/** Pure: the settings from the environment; `FUZZ_RUNS=2000 FUZZ_SEED=random` explores further than CI's bounded run. */
export function fuzzSettings(env: NodeJS.ProcessEnv, defaultRuns: number): FuzzSettings {
  const runs = env.FUZZ_RUNS === undefined || env.FUZZ_RUNS === "" ? defaultRuns : Number(env.FUZZ_RUNS);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`FUZZ_RUNS must be a positive integer, not ${env.FUZZ_RUNS}`);
  const seedText = env.FUZZ_SEED ?? "";
  const seed = seedText === "" ? DEFAULT_FUZZ_SEED : seedText === "random" ? Math.floor(Math.random() * 2 ** 31) : Number(seedText);
  if (!Number.isInteger(seed)) throw new Error(`FUZZ_SEED must be an integer or "random", not ${seedText}`);
  return { seed, runs };
}

export interface FuzzOptions extends FuzzSettings {
  app: FastifyInstance;
  /** Headers that authenticate each kind of caller the service has (a token per role); no headers is tried too. */
  auth?: readonly Record<string, string>[];
  /** Values that exist, by property or parameter name (a campaign id, an accepted card), so requests get past lookups. */
  known?: KnownValues;
  /**
   * By "METHOD /path" as in the document: a body schema where the document
   * has none (a route that reads its raw body), and a last touch to each
   * generated request (sign it as the caller would).
   */
  operations?: Readonly<Record<string, { body?: JsonSchema; prepare?: (request: FuzzRequest) => FuzzRequest }>>;
  /** Stops an operation's run (shrinking included) after this long; the run counts what it did. */
  timeLimitMsPerOperation?: number;
}

export interface FuzzFailure {
  operation: string;
  /** Replays it: FUZZ_SEED=<seed>, and fast-check's path of the shrunk counterexample. */
  seed: number;
  path: string | undefined;
  request: string;
  violation: string;
}

export interface FuzzReport {
  operations: string[];
  requests: number;
  /** Answers by status code, to show the requests got past authentication and lookups. */
  statuses: Record<number, number>;
  failures: FuzzFailure[];
}

const clip = (text: string, max = 300) => (text.length > max ? `${text.slice(0, max)}... (${text.length} chars)` : text);

/** A request as a person would type it again (a long or binary body is cut and shown as hex). */
function describeRequest(request: FuzzRequest): string {
  const body = request.payload;
  const shown = body === undefined ? "" : body.toString("utf8").includes("\ufffd") ? ` body(hex)=${clip(body.toString("hex"), 200)}` : ` body=${clip(body.toString("utf8"))}`;
  return `${request.method} ${clip(request.url, 200)} headers=${clip(JSON.stringify(request.headers))}${shown}`;
}

/** The shrunk counterexample's answer, asked again: the property's last failure may be another shrink attempt's. */
async function replay(app: FastifyInstance, request: FuzzRequest, lastViolation: string | undefined): Promise<string> {
  try {
    const answer: Answer = await app.inject(request);
    const violation = answerViolation(answer);
    return violation === undefined ? `${lastViolation ?? "failed"} (passed when repeated)` : `${violation}: ${clip(answer.body)}`;
  } catch (error) {
    return `inject threw ${String(error)}`;
  }
}

/** The operations of the document plus a route it does not have (the not-found handler answers too). */
function operationsToFuzz(spec: unknown): Operation[] {
  return [...operationsOf(spec as Parameters<typeof operationsOf>[0]), { method: "POST", path: "/api/v1/no-such-route/{id}", parameters: [], body: undefined }];
}

/**
 * Fuzzes every operation of the app's own `/openapi.json` in process
 * (`inject`, no sockets): `runs` generated requests each, conforming and
 * malformed, and reports each operation whose answer was a 5xx or a 4xx
 * that is not the kit's problem+json (fast-check's shrunk counterexample).
 */
export async function fuzzOpenApi(options: FuzzOptions): Promise<FuzzReport> {
  const { app, seed, runs } = options;
  const spec: unknown = (await app.inject({ method: "GET", url: "/openapi.json" })).json();
  const report: FuzzReport = { operations: [], requests: 0, statuses: {}, failures: [] };
  for (const documented of operationsToFuzz(spec)) {
    const name = `${documented.method} ${documented.path}`;
    const override = options.operations?.[name];
    const operation = { ...documented, body: documented.body ?? override?.body };
    const prepare = override?.prepare ?? ((request: FuzzRequest) => request);
    report.operations.push(name);
    let last: { request: FuzzRequest; violation: string } | undefined;
    const requests = requestsFor(operation, { auth: options.auth ?? [], known: options.known ?? {} }).map(prepare);
    const property = fc.asyncProperty(requests, async (request) => {
      const answer: Answer = await app.inject(request);
      report.requests += 1;
      report.statuses[answer.statusCode] = (report.statuses[answer.statusCode] ?? 0) + 1;
      const violation = answerViolation(answer);
      if (violation === undefined) return true;
      last = { request, violation: `${violation}: ${clip(answer.body)}` };
      return false;
    });
    const details = await fc.check(property, {
      seed,
      numRuns: runs,
      plugins: [fc.interruptAfterTimeLimit(options.timeLimitMsPerOperation ?? 60_000)],
    });
    if (!details.failed) continue;
    const request = (details.counterexample as [FuzzRequest] | null)?.[0];
    report.failures.push({
      operation: name,
      seed: details.seed,
      path: details.counterexamplePath ?? undefined,
      request: request === undefined ? "-" : describeRequest(request),
      violation: request === undefined ? `no request completed in time (${details.numRuns} ran)` : await replay(app, request, last?.violation),
    });
  }
  return report;
}

/** A report's failures as one readable message (empty when there are none). */
export function describeFailures(report: FuzzReport): string {
  return report.failures
    .map((f) => `${f.operation}: ${f.violation}\n  request: ${f.request}\n  replay: FUZZ_SEED=${f.seed} (fast-check path ${f.path ?? "-"})`)
    .join("\n");
}
