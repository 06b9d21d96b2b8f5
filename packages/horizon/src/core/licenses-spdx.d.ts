// spdx-satisfies 6 ships no types. satisfies(expression, allowList): whether
// the SPDX expression is satisfied by licenses in the list; throws on an
// expression that does not parse. A CommonJS module.exports function.
declare module "spdx-satisfies" {
  function satisfies(expression: string, allowed: readonly string[]): boolean;
  export = satisfies;
}
