import { describe, expect, it } from "vitest";
import { planChange } from "./plan.js";

describe("the service image build", () => {
  it("horizon plan's image stage builds each service from the one Dockerfile, naming the service in SERVICE", () => {
    const workspaces = ["campaign-service", "payment-service"].map((name) => ({ name, dir: `services/${name}`, dependsOn: [] }));
    const plan = planChange({ head: "h", workspaces, bases: {}, changedSince: new Map() });
    expect(plan.stages.filter((s) => s.id === "image").map((s) => s.command)).toEqual([
      "docker build -f docker/service/Dockerfile --build-arg SERVICE=campaign-service .",
      "docker build -f docker/service/Dockerfile --build-arg SERVICE=payment-service .",
    ]);
  });
});
