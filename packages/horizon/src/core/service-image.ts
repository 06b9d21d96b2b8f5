/** The one Dockerfile every service's image is built from, with the repository root as build context. */
export const SERVICE_DOCKERFILE = "docker/service/Dockerfile";

/** The build argument that names the service (its folder under services/). */
export const SERVICE_BUILD_ARG = "SERVICE";

/** `docker build`'s arguments for one service's image, run from the repository root. */
export function serviceImageBuild(service: string, options: { tag?: string; version?: string } = {}): string[] {
  return [
    "build",
    "-f",
    SERVICE_DOCKERFILE,
    "--build-arg",
    `${SERVICE_BUILD_ARG}=${service}`,
    ...(options.tag ? ["-t", options.tag] : []),
    ...(options.version ? ["--build-arg", `VERSION=${options.version}`] : []),
    ".",
  ];
}
