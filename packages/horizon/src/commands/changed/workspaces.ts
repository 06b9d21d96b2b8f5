// Moved to ../shared/workspaces.ts; this re-export stays until dora/source.ts imports from there.
export { readWorkspaces } from "../shared/workspaces.js";
