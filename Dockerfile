# syntax=docker/dockerfile:1
# Production image: compiled JavaScript, production dependencies only, non-root (uid 1000, "node").
# Build: docker build -t steward .     Run: README ("Running in production"); Kubernetes: docs/kubernetes.md.
# test/manifests/dockerfile.test.ts runs this file's CMD and HEALTHCHECK commands (Docker cannot run in CI).

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: the prepare script (the build) runs below, once the sources are in.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY commands ./commands
RUN npm run build

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    STEWARD_DATA_DIR=/data \
    STEWARD_CONSOLE=off
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only. The charts' font (DejaVu Sans) is the dejavu-fonts-ttf package, a production
# dependency read by src/charts: the slim base image has no system fonts and needs none.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# Read at run time: migrations (applied at start), the bundled price snapshot, the CLI entry.
COPY migrations ./migrations
COPY src/pricing/data ./src/pricing/data
COPY bin ./bin
# /data: the embedded database's folder, only used without DATABASE_URL (docker run -v steward-data:/data).
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=3s --start-period=30s \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# The start applies pending migrations (under a PostgreSQL advisory lock, so replicas starting together migrate
# once), then serves; SIGTERM drains in-flight requests and exits 0.
CMD ["node", "dist/src/main.js"]
