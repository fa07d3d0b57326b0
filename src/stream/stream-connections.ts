// Every open stream of the app: the rnn_websocket_connections gauge, the ping timer shared by
// all of them (one interval for the process, not one per socket), and shutdown.
import type { FastifyBaseLogger } from 'fastify';
import type { WebSocket } from 'ws';
import type { ServiceMetrics } from '../metrics.js';
import type { InferenceService } from '../service/inference-service.js';
import { StreamConnection, type StreamBinding } from './connection.js';
import type { StreamLimits } from './limits.js';
import { StreamSocket } from './stream-socket.js';

export class StreamConnections {
  private readonly open = new Set<StreamConnection>();
  private readonly inference: InferenceService;
  private readonly limits: StreamLimits;
  private readonly metrics: Pick<ServiceMetrics, 'websocketConnections'>;
  private timer: NodeJS.Timeout | undefined;
  private shuttingDown = false;

  constructor(inference: InferenceService, limits: StreamLimits, metrics: Pick<ServiceMetrics, 'websocketConnections'>) {
    this.inference = inference;
    this.limits = limits;
    this.metrics = metrics;
  }

  /** Serves a freshly upgraded socket for `binding` (sends `ready` at once). */
  accept(socket: WebSocket, binding: StreamBinding, log: FastifyBaseLogger): StreamConnection {
    // The stream plugin makes ws create every server socket from this class (its `WebSocket` option).
    if (!(socket instanceof StreamSocket)) throw new TypeError('a stream socket must be a StreamSocket (see plugin.ts)');
    const connection = new StreamConnection(socket, binding, {
      inference: this.inference,
      limits: this.limits,
      log,
      onSocketClose: () => this.metrics.websocketConnections.dec(),
    });
    this.metrics.websocketConnections.inc();
    this.open.add(connection);
    void connection.closed.then(() => {
      this.open.delete(connection);
      if (this.open.size === 0) this.stopTimer();
    });
    if (this.shuttingDown) void connection.shutdown();
    else this.startTimer();
    return connection;
  }

  /** Streams open now (a stream counts until its owned session is released). */
  get size(): number {
    return this.open.size;
  }

  /** Whether shutdown() has begun (streams answer what they have, then close with 1001). */
  get draining(): boolean {
    return this.shuttingDown;
  }

  /** Frames received and not answered yet, over every stream (for diagnostics). */
  get pendingFrames(): number {
    let total = 0;
    for (const connection of this.open) total += connection.pendingFrames;
    return total;
  }

  /** Streams whose socket the server has stopped reading (backpressure; for diagnostics). */
  get pausedForBacklog(): number {
    let total = 0;
    for (const connection of this.open) if (connection.readingPaused) total++;
    return total;
  }

  /** Answers what every stream already received, closes them with 1001 and waits until they are gone. */
  async shutdown(): Promise<void> {
    this.shuttingDown = true;
    this.stopTimer();
    await Promise.all([...this.open].map((connection) => connection.shutdown()));
  }

  private startTimer(): void {
    if (this.timer !== undefined || this.limits.pingIntervalMs === 0) return;
    this.timer = setInterval(() => {
      for (const connection of this.open) connection.tick();
    }, this.limits.pingIntervalMs);
    // Pings never keep the process alive on their own.
    this.timer.unref();
  }

  private stopTimer(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
