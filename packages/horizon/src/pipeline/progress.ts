import { formatDuration } from "../report/html.js";
import { stageLabel, type StageRecord } from "./types.js";

const SYMBOL: Record<StageRecord["status"], string> = { passed: "✔", failed: "✖", skipped: "–", warning: "!" };

/**
 * Live progress on a stream: on a terminal one line per stage that updates
 * in place with the elapsed time; elsewhere (CI logs) a start line, a line
 * every 15 s for long stages, and a result line.
 */
export class ProgressPrinter {
  private timer: NodeJS.Timeout | undefined;
  private label = "";
  private detail = "";
  private started = 0;
  private lastPlainTick = 0;

  constructor(
    private readonly out: NodeJS.WriteStream | NodeJS.WritableStream = process.stderr,
    private readonly interactive = Boolean((out as NodeJS.WriteStream).isTTY),
  ) {}

  start(index: number, total: number, title: string, service?: string): void {
    this.label = `[${index}/${total}] ${stageLabel({ title, service })}`;
    this.detail = "";
    this.started = performance.now();
    this.lastPlainTick = this.started;
    if (this.interactive) {
      this.draw();
      this.timer = setInterval(() => this.draw(), 250);
    } else {
      this.out.write(`▶ ${this.label}\n`);
      this.timer = setInterval(() => this.plainTick(), 1000);
    }
    this.timer.unref();
  }

  update(detail: string): void {
    // eslint-disable-next-line no-control-regex -- ANSI colour codes from child tools
    this.detail = detail.replace(/\x1b\[[0-9;]*m/g, "").replace(/\s+/g, " ").trim().slice(0, 80);
  }

  finish(record: StageRecord): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const line = `${SYMBOL[record.status]} ${this.label}  ${record.status} in ${formatDuration(record.durationMs)} — ${record.summary}`;
    this.out.write(this.interactive ? `\r\x1b[2K${line}\n` : `${line}\n`);
  }

  line(text: string): void {
    this.out.write(this.interactive ? `\r\x1b[2K${text}\n` : `${text}\n`);
  }

  private elapsed(): string {
    return formatDuration(performance.now() - this.started);
  }

  private draw(): void {
    this.out.write(`\r\x1b[2K… ${this.label}  ${this.elapsed()}${this.detail ? `  ${this.detail}` : ""}`);
  }

  private plainTick(): void {
    const now = performance.now();
    if (now - this.lastPlainTick < 15_000) return;
    this.lastPlainTick = now;
    this.out.write(`  … ${this.label} still running (${this.elapsed()})${this.detail ? `: ${this.detail}` : ""}\n`);
  }
}
