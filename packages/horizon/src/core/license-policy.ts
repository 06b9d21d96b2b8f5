/**
 * The spec's allow-list (§9.2: MIT, Apache-2.0, BSD) plus ISC, with "BSD"
 * read as the two common BSD licenses and 0BSD, and the public-domain
 * dedications MIT-0, Unlicense and CC0-1.0, which ask less than MIT does,
 * and BlueOak-1.0.0, an OSI-approved permissive license asking what MIT asks
 * (keep the notice) plus an explicit patent grant (docs/spec-deviations.md). Its own module, with no imports: `horizon
 * --help` prints it.
 */
export const DEFAULT_ALLOWED_LICENSES: readonly string[] = ["MIT", "Apache-2.0", "BSD-2-Clause", "BSD-3-Clause", "0BSD", "ISC", "MIT-0", "Unlicense", "CC0-1.0", "BlueOak-1.0.0"];
