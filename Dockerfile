# syntax=docker/dockerfile:1
# The ledger's image: the API (default command) and the example subscriber (same image, another command).
#   docker build -t commitment-ledger .
#   docker run --rm -p 127.0.0.1:3000:3000 -e API_KEYS=... commitment-ledger
#   docker run --rm -e KAFKA_BROKERS=... -e SUBSCRIBER_API_KEY=... commitment-ledger node dist/apps/subscriber/src/main.js
# Three stages: the build (dev dependencies, tsc), the production dependencies (compiled on the same Debian as
# the runtime, for better-sqlite3's native module), and the runtime: production dependencies, the built output
# and the files the ledger reads at run time, owned by root and run as the unprivileged `node` user.

ARG NODE_IMAGE=node:20-bookworm

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# tsc needs no native module: install scripts are skipped here.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm run build

FROM ${NODE_IMAGE} AS production-dependencies
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE}-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/data
WORKDIR /app
# package.json holds the "imports" map every library is loaded through.
COPY package.json package-lock.json ./
COPY --from=production-dependencies /app/node_modules ./node_modules
COPY --from=build /app/dist/apps ./dist/apps
COPY --from=build /app/dist/libs ./dist/libs
# Read at run time: the dashboard's static files (found by walking up from dist/apps/api/src/dashboard).
COPY apps/dashboard ./apps/dashboard
# DATA_DIR, owned by the user the ledger runs as and private to it; a named volume mounted here starts out so.
RUN mkdir -m 0700 /data && chown node:node /data
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health/live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/apps/api/src/main.js"]
