/** What the fuzzer sees of an answer (light-my-request's response has these). */
export interface Answer {
  statusCode: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string;
}

const FIELD_LOCATIONS = new Set(["body", "querystring", "params", "headers"]);

function problemFieldsViolation(problem: Record<string, unknown>, answer: Answer): string | undefined {
  for (const field of ["type", "title", "detail", "instance", "code", "requestId"]) {
    if (typeof problem[field] !== "string" || problem[field] === "") return `problem field "${field}" is not a non-empty string`;
  }
  if (problem.status !== answer.statusCode) return `problem status ${String(problem.status)} is not the HTTP status ${answer.statusCode}`;
  if (!/^BH_[A-Z0-9_]+$/.test(problem.code as string)) return `problem code ${String(problem.code)} is not a BH_ code`;
  if (answer.headers["x-request-id"] !== undefined && answer.headers["x-request-id"] !== problem.requestId) return "problem requestId is not the x-request-id header";
  if (problem.errors !== undefined) {
    if (!Array.isArray(problem.errors)) return "problem errors is not an array";
    for (const error of problem.errors as unknown[]) {
      const e = error as Record<string, unknown> | null;
      if (e === null || typeof e !== "object" || !FIELD_LOCATIONS.has(e.in as string) || typeof e.path !== "string" || typeof e.message !== "string") {
        return `problem errors[] entry ${JSON.stringify(error)} is not {in, path, message}`;
      }
    }
  }
  return undefined;
}

/**
 * Pure: what is wrong with an answer to any request, however bad: a 5xx, or
 * a 4xx that is not application/problem+json with the kit's fields (RFC 9457
 * type, title, status, detail, instance, plus code and requestId; errors[]
 * when present names where: in, path, message).
 */
export function answerViolation(answer: Answer): string | undefined {
  if (answer.statusCode >= 500) return `answered ${answer.statusCode}`;
  if (answer.statusCode < 400) return undefined;
  const type = String(answer.headers["content-type"] ?? "");
  if (!/^application\/problem\+json(\s*;|$)/.test(type)) return `a ${answer.statusCode} of type "${type}", not application/problem+json`;
  let problem: unknown;
  try {
    problem = JSON.parse(answer.body);
  } catch {
    return `a ${answer.statusCode} whose body is not JSON`;
  }
  if (problem === null || typeof problem !== "object" || Array.isArray(problem)) return `a ${answer.statusCode} whose body is not a JSON object`;
  const wrong = problemFieldsViolation(problem as Record<string, unknown>, answer);
  return wrong === undefined ? undefined : `a ${answer.statusCode}: ${wrong}`;
}
