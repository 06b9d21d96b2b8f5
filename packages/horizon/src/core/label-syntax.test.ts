import { describe, expect, it } from "vitest";
import { labelKeyProblem, labelValueProblem } from "./label-syntax.js";

// The expected answers come from Kubernetes' own rule, not from this module:
// k8s.io/apimachinery/pkg/util/validation/validation.go, IsValidLabelValue
// (empty, or at most 63 characters matching (([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?)
// and IsQualifiedName for keys (optional DNS-1123 subdomain prefix of at
// most 253 characters, "/", a name of at most 63 characters in the value's
// charset). Every value below was also checked with
// `kubectl label --local -f cm.yaml app.kubernetes.io/version=<value> -o name` (kubectl 1.3x).
const a = (n: number): string => "a".repeat(n);

describe("labelValueProblem (IsValidLabelValue)", () => {
  it.each(["", "1.4.0", "1.4.0-rc.1", "1.4.0_b", "v1", "1", "A.b-C_d", a(63)])("accepts %j", (value) => {
    expect(labelValueProblem(value)).toBeUndefined();
  });

  it.each([
    ["1.4.0+build.7", "'+' is not allowed"],
    ["1.0 beta", "' ' is not allowed"],
    ["1.4.0~x", "'~' is not allowed"],
    ["é1", "'é' is not allowed"],
    ["-1.0", "it must start and end with a letter or digit"],
    ["1.0-", "it must start and end with a letter or digit"],
    ["_a", "it must start and end with a letter or digit"],
    ["a.", "it must start and end with a letter or digit"],
    [a(64), "it is 64 characters"],
  ])("refuses %j: %s", (value, reason) => {
    const problem = labelValueProblem(value);
    expect(problem).toContain(`'${value}' is not a valid Kubernetes label value: ${reason}`);
    expect(problem).toContain("only letters, digits, '-', '_' and '.', starting and ending with a letter or digit, at most 63 characters");
  });
});

describe("labelKeyProblem (IsQualifiedName)", () => {
  it.each(["version", "app.kubernetes.io/version", "example.com/My_Name.x", "1abc", a(63), `x/${a(63)}`, `${[a(63), a(63), a(63), a(61)].join(".")}/x`])(
    "accepts %j",
    (key) => {
      expect(labelKeyProblem(key)).toBeUndefined();
    },
  );

  it.each([
    ["", "the name is empty"],
    ["/version", "the prefix before '/' is empty"],
    ["example.com/", "the name is empty"],
    ["a/b/c", "it has more than one '/'"],
    ["x-", "the name must start and end with a letter or digit"],
    ["_x", "the name must start and end with a letter or digit"],
    ["app/ver+sion", "'+' is not allowed in the name"],
    [a(64), "the name is 64 characters, at most 63"],
    ["App.Kubernetes.io/version", "the prefix 'App.Kubernetes.io' is not a DNS subdomain"],
    ["bad_prefix.io/x", "the prefix 'bad_prefix.io' is not a DNS subdomain"],
    ["ex-.com/x", "the prefix 'ex-.com' is not a DNS subdomain"],
    ["ex..com/x", "the prefix 'ex..com' is not a DNS subdomain"],
    [`${[a(63), a(63), a(63), a(62)].join(".")}/x`, "the prefix is 254 characters, at most 253"],
  ])("refuses %j: %s", (key, reason) => {
    expect(labelKeyProblem(key)).toContain(`'${key}' is not a valid Kubernetes label key: ${reason}`);
  });
});
