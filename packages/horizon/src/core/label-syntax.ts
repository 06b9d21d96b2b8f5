/**
 * Kubernetes' label syntax, as the API server checks it
 * (k8s.io/apimachinery/pkg/util/validation/validation.go: IsValidLabelValue,
 * IsQualifiedName, IsDNS1123Subdomain). One module, so promote, set-image and
 * validate cannot drift from each other or from Kubernetes. Pure.
 */

const NAME_MAX = 63;
const PREFIX_MAX = 253;
const NAME_CHAR = /[-A-Za-z0-9_.]/;
const NOT_AT_ENDS = /^[-_.]|[-_.]$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*$/;

const NAME_RULE = "only letters, digits, '-', '_' and '.', starting and ending with a letter or digit, at most 63 characters";
const KEY_RULE = `an optional DNS subdomain prefix (at most ${PREFIX_MAX} characters) and '/', then a name of ${NAME_RULE}`;

/** What breaks the name rule (shared by values and the name part of keys); `subject` says which, e.g. "it", "the name". */
function nameProblems(text: string, subject: string, where: string): string[] {
  const problems: string[] = [];
  const bad = [...new Set([...text].filter((c) => !NAME_CHAR.test(c)))];
  if (bad.length > 0) problems.push(`${bad.map((c) => `'${c}'`).join(", ")} ${bad.length === 1 ? "is" : "are"} not allowed${where}`);
  if (NOT_AT_ENDS.test(text)) problems.push(`${subject} must start and end with a letter or digit`);
  if (text.length > NAME_MAX) problems.push(`${subject} is ${text.length} characters, at most ${NAME_MAX}`);
  return problems;
}

/** Why `value` is no valid label value (IsValidLabelValue), or undefined when Kubernetes accepts it. The empty value is valid. */
export function labelValueProblem(value: string): string | undefined {
  if (value === "") return undefined;
  const problems = nameProblems(value, "it", "");
  return problems.length === 0 ? undefined : `'${value}' is not a valid Kubernetes label value: ${problems.join("; ")} (${NAME_RULE})`;
}

/** Why `key` is no valid label key (IsQualifiedName), or undefined when Kubernetes accepts it. */
export function labelKeyProblem(key: string): string | undefined {
  const parts = key.split("/");
  const problems: string[] = [];
  if (parts.length > 2) problems.push("it has more than one '/'");
  else {
    const name = parts.at(-1) ?? "";
    if (parts.length === 2) {
      const prefix = parts[0] ?? "";
      if (prefix === "") problems.push("the prefix before '/' is empty");
      if (prefix.length > PREFIX_MAX) problems.push(`the prefix is ${prefix.length} characters, at most ${PREFIX_MAX}`);
      if (prefix !== "" && !DNS1123_SUBDOMAIN.test(prefix)) {
        problems.push(`the prefix '${prefix}' is not a DNS subdomain (lower-case letters, digits, '-' and '.', each part between dots starting and ending with a letter or digit)`);
      }
    }
    if (name === "") problems.push("the name is empty");
    else problems.push(...nameProblems(name, "the name", " in the name"));
  }
  return problems.length === 0 ? undefined : `'${key}' is not a valid Kubernetes label key: ${problems.join("; ")} (${KEY_RULE})`;
}
