import { XMLParser, XMLValidator } from "fast-xml-parser";
import { InputError } from "../errors.js";
import { readUserFile } from "../io/fs.js";

export interface TestEvidence {
  total: number;
  passed: number;
  failed: number;
  errors: number;
  skipped: number;
  reports: string[];
}

type XmlNode = Record<string, unknown>;

const parser = new XMLParser({
  ignoreAttributes: true,
  // Every element that may repeat is an array, so one test and many tests read the same way.
  isArray: (name) => ["testsuites", "testsuite", "testcase", "failure", "error", "skipped"].includes(name),
});

function children(node: unknown, name: string): XmlNode[] {
  if (typeof node !== "object" || node === null) return [];
  const value = (node as XmlNode)[name];
  return Array.isArray(value) ? (value as unknown[]).map((child) => (typeof child === "object" && child !== null ? (child as XmlNode) : {})) : [];
}

function has(node: XmlNode, name: string): boolean {
  return Array.isArray(node[name]);
}

/** Every testcase under a suite, however deeply suites nest. */
function testcases(suite: XmlNode): XmlNode[] {
  return [...children(suite, "testcase"), ...children(suite, "testsuite").flatMap(testcases)];
}

/**
 * Counts a JUnit XML report by its testcases (not its summary attributes,
 * which reporters fill differently): a testcase with <failure> failed, with
 * <error> errored, with <skipped> was skipped, otherwise passed.
 */
export function parseJunit(text: string, file: string): Omit<TestEvidence, "reports"> {
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    throw new InputError(`${file}:${String(valid.err.line)}: not well-formed XML: ${valid.err.msg}`);
  }
  const document = parser.parse(text) as XmlNode;
  const roots = [...children(document, "testsuites"), ...children(document, "testsuite").map((suite) => ({ testsuite: [suite] }))];
  if (roots.length === 0) throw new InputError(`${file}: not a JUnit report (no <testsuites> or <testsuite> element)`);
  const cases = roots.flatMap((root) => children(root, "testsuite").flatMap(testcases));
  let failed = 0;
  let errors = 0;
  let skipped = 0;
  for (const testcase of cases) {
    if (has(testcase, "failure")) failed += 1;
    else if (has(testcase, "error")) errors += 1;
    else if (has(testcase, "skipped")) skipped += 1;
  }
  return { total: cases.length, passed: cases.length - failed - errors - skipped, failed, errors, skipped };
}

/** Reads and adds up JUnit reports (`--junit`, repeatable). */
export async function readTests(paths: readonly string[]): Promise<TestEvidence> {
  const parsed = await Promise.all(paths.map(async (path) => parseJunit(await readUserFile(path, "JUnit report"), path)));
  const sum = (key: keyof Omit<TestEvidence, "reports">) => parsed.reduce((total, report) => total + report[key], 0);
  return { total: sum("total"), passed: sum("passed"), failed: sum("failed"), errors: sum("errors"), skipped: sum("skipped"), reports: [...paths] };
}
