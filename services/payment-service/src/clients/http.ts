import { ServiceUnavailableError } from "@blessed-horizon/service-kit";

/** Calls another service; a network failure, timeout or 5xx becomes a 503 for our caller (never a 5xx of ours with internals). */
export async function callService(service: string, url: string, init: RequestInit & { timeoutMs?: number }): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(init.timeoutMs ?? 5_000) });
  } catch (error) {
    throw new ServiceUnavailableError(`${service} is not reachable; try again later`, { code: "BH_DEPENDENCY_UNAVAILABLE", cause: error });
  }
  if (response.status >= 500) {
    throw new ServiceUnavailableError(`${service} answered ${response.status}; try again later`, { code: "BH_DEPENDENCY_UNAVAILABLE" });
  }
  return response;
}
