// Moved: CommandContext to ../cli-support.ts, applyPlan and its types to ../shared/apply-plan.ts.
// This re-export stays until dora, compliance and release/history import from there.
export type { CommandContext } from "../cli-support.js";
