// The service's configuration, read from the environment once (api.md "Configuration").
// loadConfig is a pure function of the environment it is given, so tests build configs freely.

import { parseRedisTarget } from './sessions/redis-target.js';

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly modelsDir: string;
  readonly logLevel: string;
  readonly sessionStore: 'memory' | 'redis';
  readonly redisUrl: string;
  /** host:port,host:port of a Redis Cluster (REDIS_CLUSTER_NODES); empty for REDIS_URL alone. */
  readonly redisClusterNodes: string;
  /** Partitions (hash slots) of the session index (REDIS_INDEX_PARTITIONS; redis-session-keys.ts). */
  readonly redisIndexPartitions: number;
  /** Prefix of every Redis key this service writes (one deployment, one prefix). */
  readonly redisKeyPrefix: string;
  /** Session records a replica keeps to step from without reading Redis (REDIS_SERVED_SESSIONS). */
  readonly redisServedSessions: number;
  /** Most sessions one engine call steps together (STEP_BATCH_SESSIONS; capped by the engine's batch capacity). */
  readonly stepBatchSessions: number;
  /** Most sessions per model whose state stays resident in a slot of the batch matrices (SESSION_SLOTS; 0: none). */
  readonly sessionSlots: number;
  /** A resident session unused this long leaves its slot (its state back in its record). */
  readonly sessionSlotIdleSeconds: number;
  readonly sessionTtlSeconds: number;
  readonly maxSessions: number;
  /** Empty: no authentication. */
  readonly apiKeys: readonly string[];
  /**
   * Keys with the admin role: the model repository routes (/v2/repository/...) need one as soon
   * as API_KEYS or ADMIN_API_KEYS is set; they are accepted wherever an API key is.
   */
  readonly adminApiKeys: readonly string[];
  /** How models change at run time: none (read once at start), poll (MODELS_DIR is watched), explicit (load/unload requests). */
  readonly modelControl: ModelControl;
  /** MODEL_CONTROL=poll: how often MODELS_DIR is scanned. */
  readonly modelPollIntervalMs: number;
  /** MODEL_CONTROL=poll: how long a model folder must stay unchanged before it is loaded. */
  readonly modelPollDebounceMs: number;
  readonly maxSequenceLength: number;
  /**
   * Most elements one request may run in all: every sequence of a batch, a prompt plus max_tokens,
   * a history plus horizon. Bounds its compute and its answer (elements x output_size numbers).
   */
  readonly maxRequestElements: number;
  /** Most sequences in one batch predict. */
  readonly maxBatchSequences: number;
  /** Most tokens one generate request may ask for (max_tokens). */
  readonly maxGenerateTokens: number;
  /** Most predictions one forecast request may ask for (horizon). */
  readonly maxForecastHorizon: number;
  readonly bodyLimitBytes: number;
  /** Requests slower than this are logged at warn even when request logging is off. */
  readonly slowRequestMs: number;
  /** Log one line per request (Fastify's default); off by default, it costs a third of the throughput. */
  readonly logRequests: boolean;
  /** WebSocket streams: how often an idle stream is pinged (0: never). */
  readonly streamPingIntervalMs: number;
  /** WebSocket streams: reply bytes held for a client that does not read them. */
  readonly streamMaxBufferedBytes: number;
  /** WebSocket streams: how long replies may stay above that before the client is dropped. */
  readonly streamSendTimeoutMs: number;
  /** Engine of every network: native (the C++ SIMD addon), wasm, or auto (native when it loaded). */
  readonly engine: EngineChoice;
  /** Native engine's kernels: auto (the CPU's best) or a lower ISA this CPU runs. */
  readonly engineIsa: EngineIsa;
  /** Open Inference Protocol over gRPC: its own port (0: no gRPC server). */
  readonly grpcPort: number;
  /** Open Inference Protocol: the longest string sequence_id (it is the session id). */
  readonly maxSequenceIdLength: number;
  /** gRPC ModelStreamInfer: requests read ahead of their answers before the stream is paused. */
  readonly grpcStreamMaxPending: number;
  /** A request (headers and body) must have arrived within this; else 408 (0: no limit). */
  readonly requestTimeoutMs: number;
  /** The headers alone must have arrived within this (at most requestTimeoutMs); else 408. */
  readonly headersTimeoutMs: number;
  /** An idle keep-alive connection is closed after this. */
  readonly keepAliveTimeoutMs: number;
  /** Largest request line plus headers, in bytes; beyond it 431. */
  readonly maxHeaderBytes: number;
  /** Longest path parameter (a model name, a session id), in characters; beyond it 414. */
  readonly maxParamLength: number;
}

export type ModelControl = 'none' | 'poll' | 'explicit';
export type EngineChoice = 'auto' | 'native' | 'wasm';
export type EngineIsa = 'auto' | 'avx512' | 'avx2' | 'neon' | 'baseline';
const ENGINE_CHOICES: readonly EngineChoice[] = ['auto', 'native', 'wasm'];
const ENGINE_ISAS: readonly EngineIsa[] = ['auto', 'avx512', 'avx2', 'neon', 'baseline'];

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Readonly<Record<string, string | undefined>>;

/** Every variable loadConfig reads, with its default: the list that .env.example and the docs follow. */
export const CONFIG_DEFAULTS = {
  PORT: '8080',
  HOST: '0.0.0.0',
  MODELS_DIR: './models',
  LOG_LEVEL: 'info',
  SESSION_STORE: 'memory',
  REDIS_URL: 'redis://127.0.0.1:6379',
  REDIS_CLUSTER_NODES: '',
  REDIS_INDEX_PARTITIONS: '1',
  REDIS_KEY_PREFIX: 'rnn-serve:',
  REDIS_SERVED_SESSIONS: '10000',
  STEP_BATCH_SESSIONS: '32',
  SESSION_SLOTS: '4096',
  SESSION_SLOT_IDLE_SECONDS: '60',
  SESSION_TTL_SECONDS: '900',
  MAX_SESSIONS: '100000',
  API_KEYS: '',
  ADMIN_API_KEYS: '',
  MODEL_CONTROL: 'none',
  MODEL_POLL_INTERVAL_MS: '5000',
  MODEL_POLL_DEBOUNCE_MS: '2000',
  MAX_SEQUENCE_LENGTH: '10000',
  MAX_REQUEST_ELEMENTS: '10000',
  MAX_BATCH_SEQUENCES: '64',
  MAX_GENERATE_TOKENS: '1000',
  MAX_FORECAST_HORIZON: '1000',
  BODY_LIMIT_BYTES: '4194304',
  SLOW_REQUEST_MS: '1000',
  LOG_REQUESTS: 'false',
  STREAM_PING_INTERVAL_MS: '30000',
  STREAM_MAX_BUFFERED_BYTES: '1048576',
  STREAM_SEND_TIMEOUT_MS: '10000',
  RNN_ENGINE: 'auto',
  RNN_ENGINE_ISA: 'auto',
  GRPC_PORT: '0',
  MAX_SEQUENCE_ID_LENGTH: '128',
  GRPC_STREAM_MAX_PENDING: '64',
  REQUEST_TIMEOUT_MS: '30000',
  HEADERS_TIMEOUT_MS: '10000',
  KEEP_ALIVE_TIMEOUT_MS: '72000',
  MAX_HEADER_BYTES: '16384',
  MAX_PARAM_LENGTH: '100',
} as const satisfies Record<string, string>;

export type ConfigVariable = keyof typeof CONFIG_DEFAULTS;

export function loadConfig(env: Env = process.env): Config {
  const read = (name: ConfigVariable): string => {
    const value = env[name];
    return value === undefined || value.trim() === '' ? CONFIG_DEFAULTS[name] : value.trim();
  };
  const integer = (name: ConfigVariable, min: number, max = Number.MAX_SAFE_INTEGER): number => {
    const raw = read(name);
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < min || value > max) {
      throw new ConfigError(`${name}=${raw} is not an integer in [${min}, ${max}]`);
    }
    return value;
  };
  const oneOf = <T extends string>(name: ConfigVariable, allowed: readonly T[]): T => {
    const raw = read(name);
    if (!(allowed as readonly string[]).includes(raw)) {
      throw new ConfigError(`${name}=${raw} is not one of ${allowed.join(', ')}`);
    }
    return raw as T;
  };
  const keyList = (name: ConfigVariable): string[] => read(name).split(',').map((key) => key.trim()).filter((key) => key !== '');
  const requestTimeoutMs = integer('REQUEST_TIMEOUT_MS', 0);
  const headersTimeoutMs = integer('HEADERS_TIMEOUT_MS', 1);
  // Node refuses a header timeout above the request timeout: say it in the variables' names.
  if (requestTimeoutMs !== 0 && headersTimeoutMs > requestTimeoutMs) {
    throw new ConfigError(`HEADERS_TIMEOUT_MS=${headersTimeoutMs} is above REQUEST_TIMEOUT_MS=${requestTimeoutMs}`);
  }
  const maxSessions = integer('MAX_SESSIONS', 1);
  // Each partition admits its share of MAX_SESSIONS: every one must admit at least one.
  const redisIndexPartitions = integer('REDIS_INDEX_PARTITIONS', 1, Math.min(16384, maxSessions));
  return {
    port: integer('PORT', 0, 65535),
    host: read('HOST'),
    modelsDir: read('MODELS_DIR'),
    logLevel: oneOf('LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    sessionStore: oneOf('SESSION_STORE', ['memory', 'redis']),
    redisUrl: read('REDIS_URL'),
    redisClusterNodes: clusterNodes(read('REDIS_URL'), read('REDIS_CLUSTER_NODES')),
    redisIndexPartitions,
    redisKeyPrefix: read('REDIS_KEY_PREFIX'),
    redisServedSessions: integer('REDIS_SERVED_SESSIONS', 0),
    stepBatchSessions: integer('STEP_BATCH_SESSIONS', 1),
    sessionSlots: integer('SESSION_SLOTS', 0),
    sessionSlotIdleSeconds: integer('SESSION_SLOT_IDLE_SECONDS', 1),
    sessionTtlSeconds: integer('SESSION_TTL_SECONDS', 1),
    maxSessions,
    apiKeys: keyList('API_KEYS'),
    adminApiKeys: keyList('ADMIN_API_KEYS'),
    modelControl: oneOf('MODEL_CONTROL', ['none', 'poll', 'explicit']),
    modelPollIntervalMs: integer('MODEL_POLL_INTERVAL_MS', 10),
    modelPollDebounceMs: integer('MODEL_POLL_DEBOUNCE_MS', 0),
    maxSequenceLength: integer('MAX_SEQUENCE_LENGTH', 1),
    maxRequestElements: integer('MAX_REQUEST_ELEMENTS', 1),
    maxBatchSequences: integer('MAX_BATCH_SEQUENCES', 1),
    maxGenerateTokens: integer('MAX_GENERATE_TOKENS', 1),
    maxForecastHorizon: integer('MAX_FORECAST_HORIZON', 1),
    bodyLimitBytes: integer('BODY_LIMIT_BYTES', 1024),
    slowRequestMs: integer('SLOW_REQUEST_MS', 0),
    logRequests: oneOf('LOG_REQUESTS', ['true', 'false']) === 'true',
    streamPingIntervalMs: integer('STREAM_PING_INTERVAL_MS', 0),
    streamMaxBufferedBytes: integer('STREAM_MAX_BUFFERED_BYTES', 1024),
    streamSendTimeoutMs: integer('STREAM_SEND_TIMEOUT_MS', 1),
    ...engineConfigFromEnv(env),
    grpcPort: integer('GRPC_PORT', 0, 65535),
    maxSequenceIdLength: integer('MAX_SEQUENCE_ID_LENGTH', 1, 4096),
    grpcStreamMaxPending: integer('GRPC_STREAM_MAX_PENDING', 1, 100000),
    requestTimeoutMs,
    headersTimeoutMs,
    keepAliveTimeoutMs: integer('KEEP_ALIVE_TIMEOUT_MS', 1),
    // Below 1 KiB not even a request line with a few standard headers fits.
    maxHeaderBytes: integer('MAX_HEADER_BYTES', 1024),
    // Session ids are 36 characters (UUIDs): the minimum keeps them addressable.
    maxParamLength: integer('MAX_PARAM_LENGTH', 36),
  };
}

/** REDIS_CLUSTER_NODES as given, once it (or a redis+cluster:// REDIS_URL) parses. */
function clusterNodes(url: string, nodes: string): string {
  try {
    parseRedisTarget(url, nodes);
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  return nodes;
}

/**
 * RNN_ENGINE and RNN_ENGINE_ISA alone. The engine module resolves its default engine from these
 * itself, since networks are also built outside any app (tests, benches, scripts).
 */
export function engineConfigFromEnv(env: Env): { engine: EngineChoice; engineIsa: EngineIsa } {
  const oneOf = <T extends string>(name: ConfigVariable, allowed: readonly T[]): T => {
    const raw = env[name]?.trim() || CONFIG_DEFAULTS[name];
    if (!(allowed as readonly string[]).includes(raw)) {
      throw new ConfigError(`${name}=${raw} is not one of ${allowed.join(', ')}`);
    }
    return raw as T;
  };
  return { engine: oneOf('RNN_ENGINE', ENGINE_CHOICES), engineIsa: oneOf('RNN_ENGINE_ISA', ENGINE_ISAS) };
}
