import { describe, expect, it } from "vitest";
import { isPinned, lintDockerfile } from "./dockerfile.js";

const GOOD = `# syntax=docker/dockerfile:1
ARG NODE_IMAGE=node:24.22.3-bookworm-slim
FROM \${NODE_IMAGE} AS build
RUN npm ci
FROM build AS test
FROM \${NODE_IMAGE}
ARG VCS_REF
LABEL org.opencontainers.image.created="x" \\
      org.opencontainers.image.revision="\${VCS_REF}" \\
      org.opencontainers.image.version="1"
USER 10001:10001
CMD ["node", "server.js"]
`;

const messages = (text: string) => lintDockerfile(text, "Dockerfile").map((f) => `${f.line}: ${f.message}`);

describe("lintDockerfile", () => {
  it("accepts a pinned, non-root, labelled multi-stage build", () => {
    expect(messages(GOOD)).toEqual([]);
  });

  it("rejects an unpinned or latest base image, resolving build arguments", () => {
    expect(messages(GOOD.replace("node:24.22.3-bookworm-slim", "node:latest"))).toEqual([
      '3: base image node:latest is not pinned: name a version tag (not "latest") or a digest',
      '6: base image node:latest is not pinned: name a version tag (not "latest") or a digest',
    ]);
    expect(messages(GOOD.replace("ARG NODE_IMAGE=node:24.22.3-bookworm-slim", "ARG NODE_IMAGE"))[0]).toMatch(/uses a build argument with no default/);
    expect(messages("FROM ubuntu\nUSER 1\n")[0]).toMatch(/base image ubuntu is not pinned/);
  });

  it("accepts digests and registry ports", () => {
    expect(isPinned("registry.local:5000/node@sha256:abc")).toBe(true);
    expect(isPinned("registry.local:5000/node")).toBe(false);
    expect(isPinned("registry.local:5000/node:20")).toBe(true);
  });

  it("rejects a final stage that runs as root, by default or by name", () => {
    expect(messages(GOOD.replace("USER 10001:10001\n", ""))).toEqual([
      "6: the final stage runs as root: add USER with a non-root user (numeric uid lets Kubernetes verify runAsNonRoot)",
    ]);
    expect(messages(GOOD.replace("USER 10001:10001", "USER root"))).toEqual(["11: the final stage runs as root (USER root): use a non-root user"]);
    expect(messages(GOOD.replace("USER 10001:10001", "USER 0:0"))).toHaveLength(1);
  });

  it("rejects ADD of a URL, baked secrets, npm install and missing OCI labels", () => {
    const bad = GOOD.replace(
      "USER 10001:10001",
      "ADD https://example.com/tool.tgz /opt/\nENV API_TOKEN=abc123 PORT=8080\nRUN npm install && npm run build\nUSER 10001",
    );
    expect(messages(bad)).toEqual([
      "11: ADD of a URL: download in a RUN step that verifies a checksum, or COPY the file",
      "12: ENV API_TOKEN bakes a secret into the image: pass it at run time",
      "13: npm install in an image build: use npm ci, which installs exactly the lockfile",
    ]);
    expect(messages(GOOD.replace('      org.opencontainers.image.version="1"', '      other="1"'))).toEqual([
      "6: the final stage lacks the OCI labels org.opencontainers.image.version (from BUILD_DATE, VCS_REF, VERSION)",
    ]);
  });

  // Heredocs (dockerfile:1.4+, https://docs.docker.com/reference/dockerfile/#here-documents):
  // the lines up to the delimiter belong to the RUN or COPY, they are no instructions.
  it("reads a heredoc as part of its RUN or COPY: npm install inside one is found, a USER line inside one is file content", () => {
    const heredocs = GOOD.replace(
      "USER 10001:10001\n",
      "RUN <<EOF\nset -e\nnpm install\nEOF\nUSER 10001:10001\nCOPY <<EOT /etc/motd\nUSER root\nEOT\n",
    );
    expect(messages(heredocs)).toEqual(["11: npm install in an image build: use npm ci, which installs exactly the lockfile"]);
  });

  // The escape directive (https://docs.docker.com/reference/dockerfile/#escape): with a backtick,
  // a trailing backslash is part of a Windows path and a trailing backtick continues the line.
  it("follows a # escape=` directive: a backtick continues the line, a trailing backslash does not", () => {
    const windows = [
      "# escape=`",
      "FROM mcr.microsoft.com/windows/servercore:ltsc2022",
      "LABEL org.opencontainers.image.created=x org.opencontainers.image.revision=y org.opencontainers.image.version=z",
      "ENV PORT=8080 `",
      "    API_TOKEN=abc123",
      "WORKDIR C:\\app\\",
      "USER ContainerUser",
      "",
    ].join("\n");
    expect(messages(windows)).toEqual(["4: ENV API_TOKEN bakes a secret into the image: pass it at run time"]);
  });

  // dockerfile-utils' validator (rcjsuen/dockerfile-utils, src/dockerValidator.ts): the syntax rules, as the VS Code Docker extension shows them.
  it("reports what Docker itself would refuse or ignore: an unknown instruction, a COPY without a destination, a second CMD", () => {
    const broken = GOOD.replace("RUN npm ci", "RUNN npm ci\nCOPY package.json").replace('CMD ["node", "server.js"]', 'CMD ["node", "server.js"]\nCMD ["node", "other.js"]');
    expect(messages(broken)).toEqual([
      "4: Unknown instruction: RUNN",
      "5: COPY requires at least two arguments",
      "13: There can only be one CMD instruction in a Dockerfile or build stage. Only the last one will have an effect.",
    ]);
    expect(messages("RUN echo\n")).toEqual(["1: No source image provided with `FROM`"]);
  });

  it("allows a global npm install of a tool", () => {
    expect(messages(GOOD.replace("RUN npm ci", "RUN npm install -g npm@11"))).toEqual([]);
  });
});
