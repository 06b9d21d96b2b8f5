import { mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { writeFileAtomic } from "../io/fs.js";
import type { ProgressPrinter } from "./progress.js";
import { stageLabel, type RunSummary, type Stage, type StageRecord } from "./types.js";

interface ExecuteOptions {
  summary: RunSummary;
  runDir: string;
  root: string;
  printer: ProgressPrinter;
  /** Aborted on Ctrl-C: the running stage finishes being stopped, the rest are skipped. */
  signal?: AbortSignal;
  /** Called after each stage, before the summary is saved (to copy what the stage learned into it). */
  onStageDone?: (record: StageRecord) => void;
}

/**
 * Runs stages one after another, recording each (status, duration, summary)
 * in the run summary, which is rewritten after every stage so a crash or
 * Ctrl-C still leaves an accurate `summary.json`.
 */
export async function executeStages(stages: readonly Stage[], options: ExecuteOptions): Promise<RunSummary> {
  const { summary, runDir, printer } = options;
  const started = Date.parse(summary.startedAt);
  await mkdir(join(runDir, "logs"), { recursive: true });
  const save = () => writeFileAtomic(join(runDir, "summary.json"), `${JSON.stringify(summary, null, 2)}\n`, "run summary");
  for (const [i, stage] of stages.entries()) {
    if (options.signal?.aborted) {
      summary.status = "interrupted";
      break;
    }
    const logName = `logs/${stage.id}.log`;
    const when = stage.when?.(summary.stages) ?? true;
    printer.start(i + 1, stages.length, stage.title, stage.service);
    const t0 = performance.now();
    const startedAt = new Date().toISOString();
    let record: StageRecord;
    if (when !== true) {
      record = { id: stage.id, title: stage.title, service: stage.service, startedAt, durationMs: 0, status: "skipped", summary: when };
    } else {
      await mkdir(dirname(join(runDir, logName)), { recursive: true });
      try {
        const outcome = await stage.run({
          runDir,
          root: options.root,
          logFile: join(runDir, logName),
          progress: (text) => printer.update(text),
        });
        record = { id: stage.id, title: stage.title, service: stage.service, startedAt, durationMs: performance.now() - t0, log: logName, ...outcome };
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        record = { id: stage.id, title: stage.title, service: stage.service, startedAt, durationMs: performance.now() - t0, log: logName, status: "failed", summary: message };
      }
    }
    printer.finish(record);
    summary.stages.push(record);
    options.onStageDone?.(record);
    summary.durationMs = Date.now() - started;
    await save();
  }
  if (summary.status === "running") summary.status = summary.stages.some((s) => s.status === "failed") ? "failed" : "passed";
  summary.finishedAt = new Date().toISOString();
  summary.durationMs = Date.now() - started;
  if (summary.status === "failed" && !summary.failure) {
    const failed = summary.stages.filter((s) => s.status === "failed");
    summary.failure = failed.map((s) => `${stageLabel(s)}: ${s.summary}`).join("; ");
  }
  await save();
  return summary;
}
