import autocannon from "autocannon";
import { build } from "hdr-histogram-js";
import { ExternalError } from "../../errors.js";
import type { LoadTestReport } from "../../evidence/load.js";

interface LoadTestPlan {
  url: URL;
  connections: number;
  durationSeconds: number;
  /** Requests per second across all connections (autocannon's overallRate); undefined = as fast as possible. */
  targetRps?: number;
  /** Seconds before a request counts as timed out. */
  timeoutSeconds?: number;
  /** Receives a progress line every second. */
  progress?: (line: string) => void;
  /** Stops the run early (e.g. Ctrl-C); the report covers what ran. */
  signal?: AbortSignal;
}

const round = (value: number, digits = 2) => Number(value.toFixed(digits));

/**
 * Runs a load test with autocannon and measures latency percentiles itself
 * from every response (autocannon reports no p95): an HDR histogram in
 * microseconds, 3 significant digits.
 */
export async function runLoadTest(plan: LoadTestPlan): Promise<LoadTestReport> {
  const histogram = build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3 });
  let responses = 0;
  let failures = 0;
  let lastResponses = 0;
  const started = Date.now();
  try {
    const result = await new Promise<autocannon.Result>((resolve, reject) => {
      const instance = autocannon(
        {
          url: plan.url.href,
          connections: plan.connections,
          duration: plan.durationSeconds,
          timeout: plan.timeoutSeconds ?? 10,
          ...(plan.targetRps === undefined ? {} : { overallRate: plan.targetRps }),
        },
        (error: unknown, done: autocannon.Result) => {
          if (error) reject(new ExternalError(`load test of ${plan.url.href} failed: ${error instanceof Error ? error.message : JSON.stringify(error)}`, { cause: error }));
          else resolve(done);
        },
      );
      instance.on("response", (_client, statusCode, _bytes, responseTime) => {
        responses += 1;
        if (statusCode < 200 || statusCode > 299) failures += 1;
        histogram.recordValue(Math.max(1, Math.round(responseTime * 1000)));
      });
      instance.on("reqError", () => {
        failures += 1;
      });
      instance.on("tick", () => {
        const elapsed = Math.round((Date.now() - started) / 1000);
        const rps = responses - lastResponses;
        lastResponses = responses;
        plan.progress?.(`${String(elapsed).padStart(4)}s  requests ${String(responses).padStart(8)}  rps ${String(rps).padStart(7)}  errors ${String(failures)}`);
      });
      plan.signal?.addEventListener("abort", () => instance.stop(), { once: true });
    });
    // Not autocannon's requests.sent: that counts requests still in flight when the run
    // ends and, with overallRate, a connection's whole per-second rate before it sent one
    // (lib/run.js), so an all-404 target scored below 1.
    const outcomes = responses + result.errors;
    const percentile = (p: number) => (histogram.totalCount === 0 ? 0 : round(histogram.getValueAtPercentile(p) / 1000));
    return {
      url: plan.url.href,
      connections: plan.connections,
      durationSeconds: round(result.duration),
      targetRps: plan.targetRps ?? null,
      requests: { total: responses, perSecond: result.duration > 0 ? round(responses / result.duration, 1) : 0 },
      latencyMs: { p50: percentile(50), p90: percentile(90), p95: percentile(95), p99: percentile(99), max: round(histogram.maxValue / 1000) },
      errors: {
        total: result.errors,
        rate: outcomes > 0 ? round((result.errors + result.non2xx) / outcomes, 6) : 0,
        non2xx: result.non2xx,
        timeouts: result.timeouts,
      },
    };
  } finally {
    histogram.destroy();
  }
}
