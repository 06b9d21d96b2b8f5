/** One problem `horizon validate` found: where, which check, what is wrong. */
export interface Finding {
  /** Repository-relative path, forward slashes. */
  file: string;
  /** 1-based; 1 when the problem is about the file as a whole. */
  line: number;
  /** The check that found it: actionlint, schema, kustomize, dockerfile, promtool, ... */
  check: string;
  message: string;
}

/** What a validation run looked at, and what it could not check (a tool absent). */
export interface ValidationReport {
  findings: Finding[];
  checked: Record<string, number>;
  skipped: string[];
}

export const finding = (file: string, line: number, check: string, message: string): Finding => ({ file, line, check, message });

export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.message.localeCompare(b.message));
}

/** `file:line: [check] message`, the form editors and CI annotations understand. */
export const formatFinding = (f: Finding): string => `${f.file}:${f.line}: [${f.check}] ${f.message}`;
