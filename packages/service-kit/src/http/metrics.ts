import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import { collectDefaultMetrics, Counter, Histogram, Registry } from "prom-client";

declare module "fastify" {
  interface FastifyInstance {
    /** This app's Prometheus registry; register your own metrics on it. */
    metrics: { registry: Registry };
  }
}

const LABELS = ["service", "method", "route", "status"] as const;

/** GET /metrics with HTTP request counters and latency histogram, plus process metrics. */
export const metricsPlugin = fp(
  (app: FastifyInstance, options: { service: string }, done: (error?: Error) => void) => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    const requests = new Counter({
      name: "http_requests_total",
      help: "HTTP requests handled, by route template and status code",
      labelNames: LABELS,
      registers: [registry],
    });
    const duration = new Histogram({
      name: "http_request_duration_seconds",
      help: "Time from receiving a request to sending its response",
      labelNames: LABELS,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
    app.decorate("metrics", { registry });
    app.addHook("onResponse", async (request, reply) => {
      // The route template, never the raw URL: ids in paths would explode the label set.
      const labels = {
        service: options.service,
        method: request.method,
        route: request.routeOptions.url ?? "unmatched",
        status: String(reply.statusCode),
      };
      requests.inc(labels);
      duration.observe(labels, reply.elapsedTime / 1000);
    });
    app.get("/metrics", { schema: { hide: true } }, async (_request, reply) => {
      return reply.type(registry.contentType).send(await registry.metrics());
    });
    done();
  },
  { name: "blessed-horizon-metrics", fastify: "5.x" },
);
