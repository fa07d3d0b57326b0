// One WebSocket stream bound to one session: frames in, replies out, strictly in order. This
// file is the connection's lifecycle and its work loop; the parts live beside it:
//   inbox.ts     frames received and not yet computed, and pausing reads while too many wait
//   dispatch.ts  what each command does (the service call) and the reply it gets
//   outbox.ts    replies out, and stopping (then closing, 1008) for a client that does not read
//   stream-socket.ts  ws's socket, with each reply written as one frame in one write
//   keepalive.ts pings for liveness, and renewing the session's TTL while the stream lives
//
// Every frame becomes a command when it arrives (a frame that cannot be parsed becomes an
// error to answer); commands run one at a time, in arrival order, each answered before the next
// starts, so a client may pipeline freely and still read replies in the order it sent. Pipelined
// single elements waiting together run as one step (coalesce.ts). A run of invalid frames closes
// the stream (1008); an idle stream is pinged by StreamConnections' tick.
//
// While the stream works, a timer of its own renews its session (keepAlive), whatever the ping
// interval, so a message that runs longer than the TTL (a long generate) still finds its session
// to store its result. Renewals are not queued behind the running message and do not write it.
import type { FastifyBaseLogger } from 'fastify';
import { ShuttingDownError } from '../errors.js';
import type { InferenceService } from '../service/inference-service.js';
import type { ServedModel } from '../service/served-model.js';
import { WIRE_CODES } from '../wire-errors.js';
import { CloseCode } from './close-codes.js';
import { mergeableCount } from './coalesce.js';
import { CommandDispatch } from './dispatch.js';
import { parseFastElement } from './fast-element.js';
import type { Reply } from './frames.js';
import { Inbox } from './inbox.js';
import { Liveness, SessionRenewal } from './keepalive.js';
import type { StreamLimits } from './limits.js';
import { parseBinaryFrame, parseTextFrame, refusedCommand, type StreamCommand } from './messages.js';
import { Outbox } from './outbox.js';
import { readyReply } from './replies.js';
import type { StreamSocket } from './stream-socket.js';

export { CloseCode } from './close-codes.js';

/** The session a stream feeds, as found (or created) before the upgrade. */
export interface StreamBinding {
  readonly sessionId: string;
  /** The session's t when the stream opened (sent in `ready`). */
  readonly t: number;
  /** Its model when the stream opened: frames are parsed for its input size and vocabulary. */
  readonly model: ServedModel;
  /** Created for this stream (GET /v1/models/{model}/stream): deleted when the stream closes. */
  readonly owned: boolean;
  /** When the session expires unless written again (epoch ms, the inference service's clock). */
  readonly expiresAt: number;
  /** Its idle TTL. */
  readonly ttlSeconds: number;
}

export interface StreamContext {
  readonly inference: InferenceService;
  readonly limits: StreamLimits;
  readonly log: FastifyBaseLogger;
  /** Called once, when the socket has closed (before the owned session is released). */
  readonly onSocketClose: () => void;
}

type Phase =
  /** Reading and answering. */
  | 'open'
  /** Shutting down: frames already received are answered, later ones refused. */
  | 'draining'
  /** close() was called: nothing more is computed; waiting for the close handshake. */
  | 'closing'
  /** The socket is gone. */
  | 'closed';

export class StreamConnection {
  /** Resolves when the socket has closed, the running command has finished and an owned session is deleted. */
  readonly closed: Promise<void>;

  private readonly socket: StreamSocket;
  private readonly binding: StreamBinding;
  private readonly context: StreamContext;
  private readonly tokenModel: boolean;
  private readonly inbox: Inbox;
  private readonly outbox: Outbox;
  private readonly liveness = new Liveness();
  private readonly renewal: SessionRenewal;
  private readonly dispatch: CommandDispatch;
  private phase: Phase = 'open';
  private running = false;
  /** Commands taken from the inbox and being computed now (several when merged). */
  private inFlight = 0;
  /** After a refused merged step: this many commands at the head run one at a time. */
  private replayAlone = 0;
  /** Renews the session while a message runs (every quarter TTL); cleared when the socket closes. */
  private readonly keepAlive: NodeJS.Timeout;
  private idleWaiters: (() => void)[] = [];
  private resolveClosed!: () => void;

  constructor(socket: StreamSocket, binding: StreamBinding, context: StreamContext) {
    this.socket = socket;
    this.binding = binding;
    this.context = context;
    this.tokenModel = binding.model.vocabIndex !== undefined;
    const { inference, limits, log } = context;
    this.inbox = new Inbox(socket, limits);
    this.outbox = new Outbox(socket, limits, log, (reason) => this.close(CloseCode.POLICY_VIOLATION, reason));
    this.renewal = new SessionRenewal({
      inference,
      log,
      sessionId: binding.sessionId,
      ttlSeconds: binding.ttlSeconds,
      pingIntervalMs: limits.pingIntervalMs,
      expiresAt: binding.expiresAt,
      onSessionGone: () => {
        // With work in hand, that work's SESSION_NOT_FOUND reply closes the stream instead.
        if (this.phase === 'open' && !this.running && this.inbox.length === 0) {
          this.close(CloseCode.SESSION_GONE, 'the session was deleted or has expired');
        }
      },
    });
    this.dispatch = new CommandDispatch({
      inference,
      limits,
      log,
      sessionId: binding.sessionId,
      model: binding.model,
      outbox: this.outbox,
      renewal: this.renewal,
      answering: () => this.answering,
    });
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    // binaryType is 'nodebuffer' (the default): every message, text or binary, is one Buffer.
    socket.on('message', (data, isBinary) => this.receive(data as Buffer, isBinary));
    socket.on('pong', () => this.liveness.heard());
    socket.once('close', () => void this.onSocketClose());
    // A quarter TTL: a renewal due at half the TTL left comes with a quarter TTL to spare.
    this.keepAlive = setInterval(() => {
      if (this.running && this.phase !== 'closed') this.renewal.renewIfDue();
    }, Math.max(50, (binding.ttlSeconds * 1000) / 4));
    this.keepAlive.unref();
    socket.send(readyReply({ id: binding.sessionId, t: binding.t }, binding.model));
  }

  /** Frames received and not answered yet, the running one included (for diagnostics). */
  get pendingFrames(): number {
    return this.inbox.length + this.inFlight;
  }

  /** Whether the server has stopped reading this socket because too much is pending. */
  get readingPaused(): boolean {
    return this.inbox.readingPaused;
  }

  /**
   * Liveness, called every STREAM_PING_INTERVAL_MS: ping an idle peer, drop one that did not
   * answer the last ping, and keep the session of a live one from expiring.
   */
  tick(): void {
    if (this.phase !== 'open') return;
    // A stream with work in hand is alive enough, and a peer we stopped reading cannot answer.
    if (this.running || this.inbox.length > 0) {
      this.liveness.heard();
    } else {
      const verdict = this.liveness.tick();
      if (verdict === 'dead') {
        this.context.log.info('stream peer answered no ping: connection dropped');
        this.socket.terminate();
        return;
      }
      if (verdict === 'ping') this.socket.ping();
    }
    // The peer answered within the last two ticks (or it would have been dropped above).
    this.renewal.renewIfDue();
  }

  /**
   * Server shutdown: answer the frames already received (refusing later ones), then close with
   * 1001. Bounded: after limits.shutdownDrainMs the stream closes anyway, and a peer that does not
   * finish the close handshake is cut after limits.closeTimeoutMs.
   */
  async shutdown(): Promise<void> {
    const { shutdownDrainMs, closeTimeoutMs } = this.context.limits;
    if (this.phase === 'open') {
      this.phase = 'draining';
      await withTimeout(this.whenIdle(), shutdownDrainMs);
      this.close(CloseCode.GOING_AWAY, 'the server is shutting down');
    }
    if (!(await withTimeout(this.closed.then(() => true), closeTimeoutMs))) this.socket.terminate();
    await this.closed;
  }

  private receive(data: Buffer, isBinary: boolean): void {
    this.liveness.heard();
    if (!this.answering) return;
    let command: StreamCommand;
    if (this.phase === 'draining') {
      // Parsed only for its id, so the client can tell which message was not processed.
      const id = isBinary ? undefined : parseTextFrame(data.toString('utf8'), this.tokenModel).id;
      command = refusedCommand(id, new ShuttingDownError('the server is shutting down; this message was not processed'));
    } else if (isBinary) {
      command = parseBinaryFrame(data, this.binding.model.inputSize, this.tokenModel);
    } else {
      command = parseFastElement(data, this.binding.model) ?? parseTextFrame(data.toString('utf8'), this.tokenModel);
    }
    this.inbox.push(command, data.byteLength);
    if (!this.running) void this.work();
  }

  /** Answers queued commands one at a time until the inbox is empty or the stream closes. */
  private async work(): Promise<void> {
    this.running = true;
    const { inbox, outbox, dispatch } = this;
    while (inbox.length > 0 && this.answering) {
      const count = this.replayAlone > 0 ? 1 : mergeableCount(inbox.pending, this.binding.model.inputSize);
      this.inFlight = count;
      if (count === 1) {
        if (this.replayAlone > 0) this.replayAlone--;
        const command = inbox.takeFirst().command;
        let reply: Reply;
        const stepping = dispatch.startStep(command);
        if (stepping === undefined) {
          reply = await dispatch.execute(command);
        } else {
          try {
            reply = dispatch.stepReply(command, await stepping);
          } catch (error) {
            reply = dispatch.failedReply(command, error);
          }
        }
        this.inFlight = 0;
        if (!this.answering) break;
        if (reply !== '') outbox.send(reply);
      } else {
        const taken = inbox.take(count);
        const replies = await dispatch.executeMerged(taken.map((pending) => pending.command));
        this.inFlight = 0;
        if (!this.answering) break;
        if (replies === undefined) {
          // The merged step was refused, so nothing changed: replay the run one message at a
          // time, so each error is answered for the message that caused it.
          inbox.putBack(taken);
          this.replayAlone = count;
          continue;
        }
        outbox.sendAll(replies);
      }
      const closing = dispatch.closeAfterReply;
      if (closing !== undefined) {
        this.close(closing.code, closing.reason);
        break;
      }
      if (outbox.backedUp) await outbox.waitForReader();
      if (this.phase === 'open') inbox.resumeIfDrained();
    }
    this.running = false;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }

  /** Starts the close handshake; nothing more is computed for this stream. */
  private close(code: number, reason: string): void {
    if (this.phase === 'closing' || this.phase === 'closed') return;
    this.phase = 'closing';
    // Read again so the peer's close frame arrives (frames before it are ignored now).
    this.inbox.clear();
    this.socket.close(code, truncateReason(reason));
  }

  /** Whether replies are still wanted (a getter, so it is read afresh after every await). */
  private get answering(): boolean {
    return this.phase === 'open' || this.phase === 'draining';
  }

  private whenIdle(): Promise<void> {
    if (!this.running && this.inbox.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private async onSocketClose(): Promise<void> {
    this.phase = 'closed';
    clearInterval(this.keepAlive);
    this.outbox.abandon();
    this.context.onSocketClose();
    // Queued commands are dropped; the one running finishes, so the session is never left mid-write.
    this.inbox.clear();
    await this.whenIdle();
    await this.renewal.settled();
    if (this.binding.owned) {
      try {
        await this.context.inference.deleteSession(this.binding.sessionId);
      } catch (error) {
        if ((error as { code?: unknown }).code !== WIRE_CODES.SESSION_NOT_FOUND) {
          this.context.log.error({ err: error }, 'could not delete the session of a closed stream');
        }
      }
    }
    this.resolveClosed();
  }
}

/** Close reasons are limited to 123 bytes of UTF-8 (RFC 6455 5.5); ours are ASCII. */
function truncateReason(reason: string): string {
  return reason.length <= 123 ? reason : reason.slice(0, 123);
}

/** Whether `promise` settled within `ms` (false: it did not; it keeps running). */
async function withTimeout(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
