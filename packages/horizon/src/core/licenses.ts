import satisfies from "spdx-satisfies";

interface LicenseVerdict {
  allowed: boolean;
  /** Why not, in words a reviewer can act on. */
  reason?: string;
}

/**
 * Whether a package's declared license is allowed: the SPDX expression is
 * evaluated (`MIT OR GPL-3.0` is fine with MIT allowed, `MIT AND Zlib` needs
 * both), so `(MIT OR WTFPL)` passes and `CC-BY-SA-4.0` does not.
 */
export function evaluateLicense(license: string | undefined, allowed: readonly string[]): LicenseVerdict {
  const expression = license?.trim();
  if (!expression) return { allowed: false, reason: "declares no license" };
  if (expression === "UNLICENSED") return { allowed: false, reason: "is UNLICENSED (proprietary)" };
  try {
    return satisfies(expression, allowed) ? { allowed: true } : { allowed: false, reason: `is licensed ${expression}, which the allow-list (${allowed.join(", ")}) does not satisfy` };
  } catch {
    return { allowed: false, reason: `declares "${expression}", which is not an SPDX expression` };
  }
}

/** The entries of an allow-list that are not SPDX license ids (spdx-satisfies cannot evaluate against them). */
export function invalidLicenseIds(allowed: readonly string[]): string[] {
  return allowed.filter((id) => {
    try {
      return !satisfies(id, [id]);
    } catch {
      return true;
    }
  });
}
