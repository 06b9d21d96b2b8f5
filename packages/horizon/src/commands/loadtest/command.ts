import type { Command } from "commander";
import type { LoadtestOptions } from "./index.js";

export function registerLoadtest(program: Command): void {
  program
    .command("loadtest")
    .description("load-test an HTTP endpoint with autocannon and measure p50/p90/p95/p99 latency and the error rate")
    .requiredOption("--url <url>", "the endpoint, e.g. http://127.0.0.1:3000/health")
    .option("--connections <n>", "concurrent connections (the spec's concurrent users)", "100")
    .option("--duration <time>", "how long to run: 30s, 2m, 500ms", "30s")
    .option("--rps <n>", "hold this many requests per second in total (default: as fast as the server answers)")
    .option("--timeout <time>", "a request without an answer after this long counts as a timeout", "10s")
    .option("--out <file>", "write the JSON report here (what `horizon gate --load` reads)")
    .option("--json", "print the JSON report instead of the summary")
    .option("--allow-remote", "allow a URL that is not this machine (localhost, 127.0.0.0/8, ::1)")
    .addHelpText(
      "after",
      "\nProgress goes to stderr every second. errors.rate = (errors + non-2xx) / (answers + errors): requests still in flight at the end count in neither.\nExit codes: 0 ran (judge the result with `horizon gate --load`), 2 bad option or non-loopback URL, 3 no request answered.",
    )
    .action(async (options: LoadtestOptions) => {
      const { runLoadtestCommand } = await import("./index.js");
      const abort = new AbortController();
      const stop = () => abort.abort();
      process.once("SIGINT", stop);
      try {
        await runLoadtestCommand(options, {
          cwd: process.cwd(),
          write: (text) => process.stdout.write(text),
          progress: (text) => process.stderr.write(text),
          signal: abort.signal,
        });
      } finally {
        process.off("SIGINT", stop);
      }
    });
}
