# rnn-serve: multi-stage image. The build stage compiles the native engine (C++ addon, native/),
# the wasm kernels and the TypeScript with the dev dependencies and a C++ toolchain; the runtime
# stage gets the output and the production dependencies only (no compiler), and runs as the
# unprivileged `node` user of the official image.

FROM node:24-slim AS build
# g++, make and python3: node-gyp builds the native engine during npm ci (the install script).
RUN apt-get update \
 && apt-get install -y --no-install-recommends g++ make python3 \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json binding.gyp ./
COPY native ./native
COPY scripts/build-native.mjs ./scripts/build-native.mjs
# The image runs the native engine (RNN_ENGINE=native below): no silent fallback to wasm here.
RUN npm ci --no-audit --no-fund \
 && test -f build/Release/rnn_native.node
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY routes ./routes
COPY asm ./asm
# The playground page (built into build/playground) and the TypeScript client it bundles.
COPY playground ./playground
COPY clients/typescript ./clients/typescript
COPY scripts/build-playground.ts ./scripts/build-playground.ts
COPY examples/co2-weekly.csv ./examples/co2-weekly.csv
# npm run build compiles the engine's kernels (asm/) to build/kernels.wasm, which the engine
# loads at run time, the playground to build/playground, and the TypeScript to dist/; prune
# then leaves the production dependencies.
RUN npm run build \
 && npm prune --omit=dev \
 && rm -rf build/Release/obj.target build/Release/.deps build/Release/*.a

FROM node:24-slim
ENV NODE_ENV=production \
    RNN_ENGINE=native \
    HOST=0.0.0.0 \
    PORT=8080 \
    MODELS_DIR=/app/models
WORKDIR /app
# Files stay owned by root (read-only for the service); only the process runs as `node`.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# build/: the native addon (build/Release/rnn_native.node) and the wasm kernels (build/kernels.wasm).
COPY --from=build /app/build ./build
COPY models ./models
# The gRPC service definition, read at start-up (GRPC_PORT).
COPY proto ./proto
USER node
EXPOSE 8080
# node:24-slim has no curl: node's own fetch probes the liveness route.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "--max-semi-space-size=32", "dist/src/server.js"]
