// The RPC handlers of inference.GRPCInferenceService: each translates its message and calls the
// same dataplane as REST /v2 (src/oip/infer.ts, metadata.ts); errors get their gRPC status from
// src/oip/error-map.ts. ModelStreamInfer answers every request in order, errors in-band.
import type { Metadata} from '@grpc/grpc-js';
import { status as GrpcStatus, type ServerDuplexStream, type ServerUnaryCall, type sendUnaryData, type UntypedServiceImplementation } from '@grpc/grpc-js';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config.js';
import { InvalidInputError, ModelNotFoundError, ShuttingDownError, UnauthorizedError } from '../errors.js';
import type { ServiceMetrics } from '../metrics.js';
import type { FastHistogram, HistogramSeries } from '../metric-series/index.js';
import { toProtocolError, type ProtocolError } from '../oip/error-map.js';
import { inferLimits, runInference } from '../oip/infer.js';
import { OIP_EXTENSIONS, modelMetadata, serverIdentity } from '../oip/metadata.js';
import type { ModelControl } from '../model/repository/control.js';
import { adminRefusal, type ApiKeyVerifier } from '../plugins/auth.js';
import type { InferenceService } from '../service/inference-service.js';
import { fromGrpcRequest, toGrpcResponse, type GrpcInferRequest } from './messages.js';
import { StreamInferSession } from './stream-infer.js';

export interface HandlerContext {
  readonly config: Config;
  readonly inference: InferenceService;
  readonly apiKeys: ApiKeyVerifier;
  /** ADMIN_API_KEYS: the Repository* RPCs need one once any key is configured. */
  readonly adminKeys: ApiKeyVerifier;
  /** The model repository extension's operations (the same as REST /v2/repository). */
  readonly modelControl: ModelControl;
  readonly metrics: ServiceMetrics;
  readonly log: FastifyBaseLogger;
  /** True once the server drains: new calls are refused with UNAVAILABLE. */
  readonly draining: () => boolean;
  /** Open streams, so a drain can end them; and calls in flight, so it can wait for them. */
  readonly streams: Set<StreamInferSession>;
  readonly track: <T>(work: Promise<T>) => Promise<T>;
}

interface NamedModel {
  name?: string;
  version?: string;
}

interface RepositoryParameter {
  parameter_choice?: string;
  bool_param?: boolean;
}

interface RepositoryModelRequest {
  repository_name?: string;
  model_name?: string;
  parameters?: Record<string, RepositoryParameter>;
}

/** This server has one repository, MODELS_DIR: an empty name means it, any other is unknown. */
function checkRepositoryName(name: string | undefined): void {
  if (name !== undefined && name !== '') {
    throw new ModelNotFoundError(`there is no repository '${name}': this server has one (MODELS_DIR), named by an empty repository_name`);
  }
}

/** The load and unload parameters this server takes (none for load; unload_dependents, a bool, for unload). */
function checkRepositoryParameters(parameters: Record<string, RepositoryParameter> | undefined, allowed: readonly string[]): void {
  for (const [key, value] of Object.entries(parameters ?? {})) {
    if (!allowed.includes(key)) {
      throw new InvalidInputError(
        `parameters.${key} is not supported: packages are read from MODELS_DIR (no "config" or "file:" overrides)${allowed.length > 0 ? `; accepted: ${allowed.join(', ')}` : ''}`,
      );
    }
    if (value.parameter_choice !== 'bool_param') throw new InvalidInputError(`parameters.${key} must be a bool_param`);
  }
}

const BEARER = 'bearer ';

/** The key of `authorization: Bearer <key>`, as /v1 reads its header. */
export function presentedKey(metadata: Metadata): string | undefined {
  const value = metadata.get('authorization')[0];
  if (typeof value !== 'string' || value.slice(0, BEARER.length).toLowerCase() !== BEARER) return undefined;
  const token = value.slice(BEARER.length).trim();
  return token === '' ? undefined : token;
}

export function createHandlers(context: HandlerContext): UntypedServiceImplementation {
  const { inference, config, metrics, log } = context;
  const durations = new GrpcDurationSeries(metrics.grpcRequestDuration);
  const limits = inferLimits(config);

  const authorize = (metadata: Metadata): void => {
    if (!context.apiKeys.required) return;
    const key = presentedKey(metadata);
    if (context.apiKeys.accepts(key)) return;
    throw new UnauthorizedError(key === undefined ? "this RPC needs an API key: send metadata 'authorization: Bearer <key>'" : 'the API key is not valid');
  };

  const authorizeAdmin = (metadata: Metadata): void => {
    const refusal = adminRefusal(presentedKey(metadata), context.apiKeys, context.adminKeys);
    if (refusal !== undefined) throw refusal;
  };
  const { modelControl } = context;

  const fail = (error: unknown, method: string): ProtocolError => {
    const answer = toProtocolError(error, { bodyLimitBytes: config.bodyLimitBytes });
    if (answer.internal) log.error({ err: error, method }, 'gRPC call failed');
    else log.info({ err: error, method, code: answer.code }, 'gRPC call refused');
    return answer;
  };

  /** A unary RPC: drain check, auth (open, a key, or an admin key), timing, and the error table. */
  const unary = <Req, Res>(method: string, open: boolean | 'admin', run: (request: Req) => Promise<Res> | Res) => {
    return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>): void => {
      const started = process.hrtime.bigint();
      const finish = (code: GrpcStatus) => durations.series(method, code).observe(Number(process.hrtime.bigint() - started) / 1e9);
      const work = (async () => {
        if (context.draining()) throw new ShuttingDownError('the server is shutting down; retry on another instance');
        if (open === 'admin') authorizeAdmin(call.metadata);
        else if (!open) authorize(call.metadata);
        return run(call.request);
      })();
      void context.track(
        work.then(
          (response) => {
            finish(GrpcStatus.OK);
            callback(null, response);
          },
          (error: unknown) => {
            const answer = fail(error, method);
            finish(answer.grpc);
            callback({ code: answer.grpc, details: answer.message });
          },
        ),
      );
    };
  };

  const model = (request: NamedModel) => inference.modelInfo(request.name ?? '', request.version || undefined);

  return {
    ServerLive: unary('ServerLive', true, () => ({ live: true })),
    ServerReady: unary('ServerReady', true, async () => ({ ready: !context.draining() && (await inference.readiness()).ready })),
    ServerMetadata: unary('ServerMetadata', true, () => ({ ...serverIdentity(), extensions: [...OIP_EXTENSIONS] })),
    ModelReady: unary('ModelReady', false, (request: NamedModel) => ({ ready: model(request).status === 'ready' })),
    ModelMetadata: unary('ModelMetadata', false, (request: NamedModel) => modelMetadata(model(request))),
    ModelInfer: unary('ModelInfer', false, async (request: GrpcInferRequest) =>
      toGrpcResponse(await runInference(inference, fromGrpcRequest(request), limits, 'grpc')),
    ),
    RepositoryIndex: unary('RepositoryIndex', 'admin', async (request: { repository_name?: string; ready?: boolean }) => {
      checkRepositoryName(request.repository_name);
      return { models: await modelControl.index(request.ready === true) };
    }),
    RepositoryModelLoad: unary('RepositoryModelLoad', 'admin', async (request: RepositoryModelRequest) => {
      checkRepositoryName(request.repository_name);
      checkRepositoryParameters(request.parameters, []);
      await modelControl.load(request.model_name ?? '');
      return {};
    }),
    RepositoryModelUnload: unary('RepositoryModelUnload', 'admin', async (request: RepositoryModelRequest) => {
      checkRepositoryName(request.repository_name);
      checkRepositoryParameters(request.parameters, ['unload_dependents']);
      await modelControl.unload(request.model_name ?? '');
      return {};
    }),
    ModelStreamInfer: (call: ServerDuplexStream<GrpcInferRequest, unknown>) => {
      if (context.draining()) {
        call.emit('error', { code: GrpcStatus.UNAVAILABLE, details: 'the server is shutting down; retry on another instance' });
        return;
      }
      try {
        authorize(call.metadata);
      } catch (error) {
        const answer = fail(error, 'ModelStreamInfer');
        call.emit('error', { code: answer.grpc, details: answer.message });
        return;
      }
      const session = new StreamInferSession(call, {
        maxPending: config.grpcStreamMaxPending,
        run: (request) => runInference(inference, fromGrpcRequest(request), limits, 'grpc'),
        onResult: (seconds, error) => {
          const answer = error === undefined ? undefined : fail(error, 'ModelStreamInfer');
          durations.series('ModelStreamInfer', answer?.grpc ?? GrpcStatus.OK).observe(seconds);
          return answer?.message ?? '';
        },
        onClose: () => context.streams.delete(session),
      });
      context.streams.add(session);
    },
  };
}

/**
 * The series of grpc_request_duration_seconds by method and status code, bound the first time
 * each is seen: a stream observes once per request, so no label set is hashed per request.
 */
class GrpcDurationSeries {
  private readonly byMethod = new Map<string, Map<GrpcStatus, HistogramSeries>>();

  constructor(private readonly histogram: FastHistogram<'method' | 'code'>) {}

  series(method: string, code: GrpcStatus): HistogramSeries {
    let byCode = this.byMethod.get(method);
    if (byCode === undefined) this.byMethod.set(method, (byCode = new Map()));
    let series = byCode.get(code);
    if (series === undefined) {
      series = this.histogram.series({ method, code: GrpcStatus[code] });
      byCode.set(code, series);
    }
    return series;
  }
}
