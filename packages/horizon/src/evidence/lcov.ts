import { basename, dirname, isAbsolute, resolve } from "node:path";
import { InputError } from "../errors.js";
import { readUserFile } from "../io/fs.js";

/** One `SF:` ... `end_of_record` block of an lcov report. */
interface LcovRecord {
  sourceFile: string;
  /** Hits per line number from `DA:` lines; empty when the report only has `LF`/`LH` totals. */
  lineHits: Map<number, number>;
  linesFound: number;
  linesHit: number;
}

export interface CoverageEvidence {
  linesFound: number;
  linesHit: number;
  sourceFiles: number;
  reports: string[];
}

function nonNegativeInt(text: string | undefined, file: string, lineNumber: number): number {
  const value = Number(text);
  if (text === undefined || text.trim() === "" || !Number.isInteger(value) || value < 0) {
    throw new InputError(`${file}:${String(lineNumber)}: not an lcov number: ${JSON.stringify(text ?? "")}`);
  }
  return value;
}

/** Parses lcov text (geninfo format). A file without any record is bad input: it covers nothing. */
export function parseLcov(text: string, file: string): LcovRecord[] {
  const records: LcovRecord[] = [];
  let current: LcovRecord | undefined;
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    const lineNumber = index + 1;
    if (line === "") return;
    if (line === "end_of_record") {
      if (!current) throw new InputError(`${file}:${String(lineNumber)}: end_of_record without SF:`);
      records.push(current);
      current = undefined;
      return;
    }
    const colon = line.indexOf(":");
    const tag = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? "" : line.slice(colon + 1);
    if (tag === "SF") {
      if (current) throw new InputError(`${file}:${String(lineNumber)}: SF: before end_of_record of ${current.sourceFile}`);
      current = { sourceFile: value, lineHits: new Map(), linesFound: 0, linesHit: 0 };
      return;
    }
    if (!current) return; // TN: and other preamble lines
    if (tag === "DA") {
      const [lineNo, hits] = value.split(",");
      const number = nonNegativeInt(lineNo, file, lineNumber);
      current.lineHits.set(number, Math.max(current.lineHits.get(number) ?? 0, nonNegativeInt(hits, file, lineNumber)));
    } else if (tag === "LF") current.linesFound = nonNegativeInt(value, file, lineNumber);
    else if (tag === "LH") current.linesHit = nonNegativeInt(value, file, lineNumber);
  });
  if (current) throw new InputError(`${file}: record for ${current.sourceFile} has no end_of_record (truncated file?)`);
  if (records.length === 0) throw new InputError(`${file}: no lcov records (no SF: ... end_of_record), so it shows no coverage`);
  return records;
}

/**
 * Where a relative `SF:` path points: tools (vitest, jest, c8, nyc) write
 * `<project>/coverage/lcov.info` with paths relative to `<project>`.
 */
function sourceRoot(reportPath: string): string {
  const dir = dirname(resolve(reportPath));
  return basename(dir) === "coverage" ? dirname(dir) : dir;
}

/**
 * Merges reports: a source file in several reports counts once, a line
 * covered when any report covered it. Coverage = sum(LH) / sum(LF).
 */
export function mergeCoverage(reports: { path: string; records: LcovRecord[] }[]): CoverageEvidence {
  const merged = new Map<string, LcovRecord>();
  for (const { path, records } of reports) {
    const root = sourceRoot(path);
    for (const record of records) {
      const key = isAbsolute(record.sourceFile) ? record.sourceFile : resolve(root, record.sourceFile);
      const seen = merged.get(key);
      if (!seen) {
        merged.set(key, { ...record, lineHits: new Map(record.lineHits) });
        continue;
      }
      for (const [line, hits] of record.lineHits) seen.lineHits.set(line, Math.max(seen.lineHits.get(line) ?? 0, hits));
      seen.linesFound = Math.max(seen.linesFound, record.linesFound);
      seen.linesHit = Math.max(seen.linesHit, record.linesHit);
    }
  }
  let linesFound = 0;
  let linesHit = 0;
  for (const record of merged.values()) {
    if (record.lineHits.size > 0) {
      linesFound += record.lineHits.size;
      linesHit += [...record.lineHits.values()].filter((hits) => hits > 0).length;
    } else {
      linesFound += record.linesFound;
      linesHit += record.linesHit;
    }
  }
  return { linesFound, linesHit, sourceFiles: merged.size, reports: reports.map((report) => report.path) };
}

/** Reads and merges lcov files (`--coverage`, repeatable). */
export async function readCoverage(paths: readonly string[]): Promise<CoverageEvidence> {
  const reports = await Promise.all(
    paths.map(async (path) => ({ path, records: parseLcov(await readUserFile(path, "coverage report"), path) })),
  );
  return mergeCoverage(reports);
}
