// @ts-check
import { readdirSync } from "node:fs";
import js from "@eslint/js";
import tseslint from "typescript-eslint";

// Boundaries (issue 16), kept by ESLint's own no-restricted-imports on the import's text, no resolver needed: every
// file of a folder sits at the same depth, so a relative path says where it goes. `import()` is checked by
// no-restricted-syntax with the same patterns. packages/horizon/test/lint-boundaries.test.ts plants each violation
// and sees it fail.

/** @typedef {{ regex: string, message: string }} Boundary */

const SERVICES = readdirSync(new URL("services/", import.meta.url), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

/** @type {(names: string[], message: string) => Boundary[]} */
const noServices = (names, message) =>
  names.flatMap((name) => [
    { regex: `^@blessed-horizon/${name}(/|$)`, message },
    { regex: `^\\.\\.?/(.*/)?${name}(/|$)`, message },
  ]);

const NAMED_EXPORTS_ONLY = { selector: "ExportDefaultDeclaration", message: "Use named exports only." };

/** no-restricted-imports and, for import(), no-restricted-syntax, both refusing `boundaries`. */
function restrict(/** @type {Boundary[]} */ boundaries) {
  const dynamic = boundaries.map(({ regex, message }) => ({
    // esquery's /regex/ cannot hold a slash: \x2F is one.
    selector: `ImportExpression[source.value=/${regex.replaceAll("/", "\\x2F")}/]`,
    message,
  }));
  return {
    "no-restricted-imports": ["error", { patterns: boundaries }],
    "no-restricted-syntax": ["error", NAMED_EXPORTS_ONLY, ...dynamic],
  };
}

const HORIZON = "packages/horizon/src";
const NOT_A_SERVICE = noServices(SERVICES, "packages never import a service: what both need goes in packages/contracts or packages/service-kit.");
const ONE_PROCESS_RUNNER = [
  { regex: "^(node:)?child_process$", message: "horizon starts processes through src/io/process.ts only (runProcess, startBackground, runTool, captureProcess, spawnPiped; io/git.ts for git, on top of it)." },
];
const CORE_IS_PURE = "core/ is pure (data in, data out): files and processes belong to io/ and the gitops/ readers.";
const OTHER_COMMAND =
  "a command imports no other command: what several share goes in commands/shared/ (or cli-support.ts when it must load nothing); pipeline/ may call a command's run function.";

export default tseslint.config(
  {
    ignores: ["**/dist/**", "**/coverage/**", "**/node_modules/**", ".horizon/**", ".data/**", "**/*.js", "**/*.mjs", "**/*.cjs"],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-restricted-syntax": ["error", NAMED_EXPORTS_ONLY],
      "@typescript-eslint/no-non-null-assertion": "error",
    },
  },
  {
    files: ["packages/**/*.ts"],
    rules: restrict(NOT_A_SERVICE),
  },
  {
    files: [`${HORIZON}/**/*.ts`],
    ignores: ["**/*.test.ts", `${HORIZON}/io/process.ts`],
    rules: restrict([...NOT_A_SERVICE, ...ONE_PROCESS_RUNNER]),
  },
  ...SERVICES.map((service) => ({
    files: [`services/${service}/**/*.ts`],
    rules: restrict(noServices(SERVICES.filter((other) => other !== service), `services never import another service: ${service} talks to the others over HTTP and NATS (packages/contracts).`)),
  })),
  {
    files: [`${HORIZON}/core/**/*.ts`],
    ignores: ["**/*.test.ts"],
    rules: restrict([...NOT_A_SERVICE, ...["^(node:)?(fs|fs/promises|child_process)$", "^\\.\\./io/"].map((regex) => ({ regex, message: CORE_IS_PURE }))]),
  },
  {
    files: [`${HORIZON}/commands/*/*.ts`],
    ignores: ["**/*.test.ts"],
    rules: restrict([
      ...NOT_A_SERVICE,
      ...ONE_PROCESS_RUNNER,
      { regex: "^\\.\\./(?!shared/)[^./][^/]*/", message: OTHER_COMMAND },
      { regex: "^\\.\\./\\.\\./commands/", message: OTHER_COMMAND },
    ]),
  },
  {
    files: [`${HORIZON}/commands/*.ts`],
    ignores: ["**/*.test.ts"],
    rules: restrict([...NOT_A_SERVICE, ...ONE_PROCESS_RUNNER, { regex: "^\\./(?!shared/)[^/]+/", message: OTHER_COMMAND }]),
  },
  {
    files: ["**/*.config.ts", "vitest.shared.ts"],
    rules: { "no-restricted-syntax": "off" },
  },
  {
    files: ["**/*.test.ts", "**/test/**/*.ts", "**/bench/**/*.ts"],
    rules: {
      "@typescript-eslint/no-non-null-assertion": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
    },
  },
);
