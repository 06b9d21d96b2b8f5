/** One finding of a `horizon scan`: a secret in a file, a package whose license is not allowed. */
export interface ScanFinding {
  ruleId: string;
  message: string;
  /** Repository-relative path, forward slashes. */
  file: string;
  line: number;
  column?: number;
  /** A link explaining the rule. */
  helpUri?: string;
}

interface SarifRule {
  id: string;
  helpUri?: string;
}

/**
 * SARIF 2.1.0, the format GitHub code scanning ingests
 * (github/codeql-action/upload-sarif): one run, one rule per ruleId.
 */
export function toSarif(toolName: string, toolVersion: string, findings: readonly ScanFinding[]): object {
  const rules = new Map<string, SarifRule>();
  for (const f of findings) if (!rules.has(f.ruleId)) rules.set(f.ruleId, { id: f.ruleId, ...(f.helpUri ? { helpUri: f.helpUri } : {}) });
  const ruleIds = [...rules.keys()];
  return {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: { driver: { name: toolName, version: toolVersion, informationUri: "https://github.com/blessed-horizon/blessed-horizon", rules: [...rules.values()] } },
        results: findings.map((f) => ({
          ruleId: f.ruleId,
          ruleIndex: ruleIds.indexOf(f.ruleId),
          level: "error",
          message: { text: f.message },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: f.file, uriBaseId: "%SRCROOT%" },
                region: { startLine: Math.max(1, f.line), ...(f.column ? { startColumn: f.column } : {}) },
              },
            },
          ],
        })),
      },
    ],
  };
}
