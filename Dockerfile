# syntax=docker/dockerfile:1
# The heroflow image: one binary, every command (`docker run heroflow worker --help`).
# NOTE: there is no Docker engine on the heroflow build machine, so this file has NOT been built there;
# it was checked with hadolint and test/docker/compose.test.ts (see README, "Docker").
#   docker build -t heroflow .
#   docker run --rm heroflow --help
ARG NODE_IMAGE=node:24-bookworm-slim

# 1. Compile: every dependency (typescript is a dev dependency), then tsc → dist/.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would run tsc before the sources are here; no dependency needs its script
# to run heroflow (native parts such as DuckDB come as prebuilt optional packages).
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json ./
COPY src ./src
RUN npx tsc -p tsconfig.json

# 2. Production dependencies only, for the platform the image is built for (glibc: bookworm).
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts && npm cache clean --force

# 3. Runtime: compiled JS, production node_modules, the bin; runs as the image's unprivileged `node` user.
FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    OUTPUT_DIR=/data/output
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
# The load files of `heroflow produce --config-file examples/loads/3.json`.
COPY examples ./examples
# uid/gid 1000 = the `node` user of the official image (numeric, so Kubernetes' runAsNonRoot can check it).
RUN mkdir -p /data/output && chown 1000:1000 /data/output
USER 1000:1000
VOLUME ["/data/output"]
# The game server's WebSocket port (WEBSOCKET_PORT); /metrics ports are opt-in per command.
EXPOSE 5678
ENTRYPOINT ["node", "bin/heroflow.js"]
CMD ["--help"]
