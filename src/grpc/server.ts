// The gRPC server of the Open Inference Protocol (inference.GRPCInferenceService) on its own
// port, GRPC_PORT. It shares the app's dataplane, API keys, metrics and limits (messages up to
// BODY_LIMIT_BYTES), and drains like the HTTP server: on close, new calls get UNAVAILABLE,
// calls in flight finish, open streams answer what they read and end, then the server stops.
import { Server, ServerCredentials } from '@grpc/grpc-js';
import type { HandlerContext } from './handlers.js';
import { createHandlers } from './handlers.js';
import { inferenceServiceDefinition } from './proto.js';
import type { StreamInferSession } from './stream-infer.js';

export type GrpcServerContext = Omit<HandlerContext, 'draining' | 'streams' | 'track'>;

/** How long a drain waits for calls in flight before it cuts them. */
const FORCE_AFTER_MS = 10_000;

export class GrpcFrontend {
  private readonly server: Server;
  private readonly streams = new Set<StreamInferSession>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private draining = false;
  private bound = false;

  constructor(context: GrpcServerContext) {
    const { bodyLimitBytes } = context.config;
    this.server = new Server({
      'grpc.max_receive_message_length': bodyLimitBytes,
      'grpc.max_send_message_length': -1,
    });
    this.server.addService(
      inferenceServiceDefinition(),
      createHandlers({
        ...context,
        draining: () => this.draining,
        streams: this.streams,
        track: (work) => {
          this.inFlight.add(work);
          void work.finally(() => this.inFlight.delete(work));
          return work;
        },
      }),
    );
  }

  /** Listens on host:port (port 0: any free port); answers the port. */
  listen(port: number, host: string): Promise<number> {
    // An IPv6 address needs brackets in a gRPC target.
    const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    return new Promise((resolve, reject) => {
      this.server.bindAsync(address, ServerCredentials.createInsecure(), (error, bound) => {
        if (error) return reject(error);
        this.bound = true;
        resolve(bound);
      });
    });
  }

  /** Refuses new calls, lets those in flight and the open streams finish, then stops. */
  async close(): Promise<void> {
    this.draining = true;
    const force = setTimeout(() => this.server.forceShutdown(), FORCE_AFTER_MS);
    force.unref();
    try {
      await Promise.all([...this.streams].map((stream) => stream.drain()));
      await Promise.allSettled([...this.inFlight]);
      if (this.bound) await new Promise<void>((resolve) => this.server.tryShutdown(() => resolve()));
      else this.server.forceShutdown();
    } finally {
      clearTimeout(force);
    }
  }
}
