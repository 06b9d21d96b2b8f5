import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ACTIONS } from "../src/domain/campaign.js";

describe("campaign-service's lifecycle routes", () => {
  it("are each declared by their whole path, so grepping for /publish finds the route", () => {
    const routes = readFileSync(fileURLToPath(new URL("../src/routes/write.ts", import.meta.url)), "utf8");
    expect(ACTIONS.filter((action) => !routes.includes(`"/api/v1/campaigns/:id/${action}"`))).toEqual([]);
  });
});
