// One WebSocket stream bound to one session: frames in, replies out, strictly in order.
//
// Every frame becomes a command when it arrives (a frame that cannot be parsed becomes an
// error to answer); commands run one at a time, in arrival order, each answered before the next
// starts, so a client may pipeline freely and still read replies in the order it sent. Pipelined
// single elements waiting together run as one step (coalesce.ts). A failed command is answered
// with an error frame and changes nothing: the service validates before writing.
//
// Bounds (see limits.ts): reading stops while too many frames wait; computing stops while a
// client leaves too many reply bytes unread, and a client that stays that way is closed (1008);
// a run of invalid frames closes it too (1008). An idle stream is pinged by StreamConnections.
//
// A `generate` message is answered by a `token` message per token as it is chosen, then its
// final reply; the tokens are sent under the same backpressure as other replies.
//
// While the stream is alive its session does not expire: the ping tick renews it before its idle
// TTL runs out (see renewSessionIfDue), so a client may stay silent as long as it answers pings;
// and while the stream works, a timer of its own does, whatever the ping interval, so a message
// that runs longer than the TTL (a long generate) still finds its session to store its result.
// Renewals are not queued behind the running message and do not write the session.
import type { FastifyBaseLogger } from 'fastify';
import type { WebSocket } from 'ws';
import * as errors from '../errors.js';
import { InternalError, SequenceConflictError, ShuttingDownError } from '../errors.js';
import { generateInSession, type GeneratedToken, type SessionGenerationOutcome } from '../service/generation.js';
import type { InferenceService } from '../service/inference-service.js';
import { stateToJson } from '../service/json-codec.js';
import type { ServedModel } from '../service/served-model.js';
import type { SessionRecord } from '../service/session-store.js';
import type { StreamLimits } from './limits.js';
import { mergeBinary, mergeElements, mergeableCount } from './coalesce.js';
import { parseBinaryFrame, parseTextFrame, refusedCommand, type StreamCommand } from './messages.js';
import {
  binaryReply,
  errorReply,
  generatedReply,
  outputReply,
  outputsReply,
  readyReply,
  resetReply,
  stateReply,
  tokenReply,
} from './replies.js';

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

/** WebSocket close codes this server sends (RFC 6455 section 7.4, plus one application code). */
export const CloseCode = {
  GOING_AWAY: 1001,
  POLICY_VIOLATION: 1008,
  /** The session was deleted or expired under the stream: nothing more can be computed. */
  SESSION_GONE: 4404,
} as const;

const SERVICE_CODES: ReadonlySet<string> = new Set(Object.values(errors).map((ServiceError) => new ServiceError('').code));
const INVALID_INPUT = new errors.InvalidInputError('').code;
const SESSION_NOT_FOUND = new errors.SessionNotFoundError('').code;

type ElementCommand = Extract<StreamCommand, { kind: 'element' }>;
type BinaryCommand = Extract<StreamCommand, { kind: 'binary' }>;
type GenerateCommand = Extract<StreamCommand, { kind: 'generate' }>;

/** Thrown from a generation's token hook when the stream is closing: the generation stops, unwritten. */
class StreamClosingError extends Error {}

interface Pending {
  readonly command: StreamCommand;
  readonly bytes: number;
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

  private readonly socket: WebSocket;
  private readonly binding: StreamBinding;
  private readonly context: StreamContext;
  private readonly tokenModel: boolean;
  private phase: Phase = 'open';
  private readonly queue: Pending[] = [];
  private queuedBytes = 0;
  private running = false;
  /** Commands taken from the queue and being computed now (several when merged). */
  private inFlight = 0;
  /** After a refused merged step: this many commands at the head run one at a time. */
  private replayAlone = 0;
  private pausedForBacklog = false;
  private invalidInARow = 0;
  /** Set by a reply that must be the last one (e.g. the invalid frame that tips the limit). */
  private closeAfterReply: { code: number; reason: string } | undefined;
  private heardSinceTick = true;
  private awaitingPong = false;
  private wakeWriter: (() => void) | undefined;
  /** The latest expiry of the session this stream has seen (its own writes, reads and renewals). */
  private sessionExpiresAt: number;
  /** The renewal in progress (at most one). */
  private renewal: Promise<void> | undefined;
  /** Renews the session while a message runs (every quarter TTL); cleared when the socket closes. */
  private readonly keepAlive: NodeJS.Timeout;
  private idleWaiters: (() => void)[] = [];
  private resolveClosed!: () => void;
  /** Bound once: passed to every send, so a reply costs no new closure. */
  private readonly onFlushed = (): void => {
    if (this.wakeWriter !== undefined && this.socket.bufferedAmount <= this.context.limits.maxBufferedBytes) this.wakeWriter();
  };

  constructor(socket: WebSocket, binding: StreamBinding, context: StreamContext) {
    this.socket = socket;
    this.binding = binding;
    this.context = context;
    this.tokenModel = binding.model.vocabIndex !== undefined;
    this.sessionExpiresAt = binding.expiresAt;
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    // binaryType is 'nodebuffer' (the default): every message, text or binary, is one Buffer.
    socket.on('message', (data, isBinary) => this.receive(data as Buffer, isBinary));
    socket.on('pong', () => this.heard());
    socket.once('close', () => void this.onSocketClose());
    // A quarter TTL: a renewal due at half the TTL left comes with a quarter TTL to spare.
    this.keepAlive = setInterval(() => {
      if (this.running && this.phase !== 'closed') this.renewSessionIfDue();
    }, Math.max(50, (binding.ttlSeconds * 1000) / 4));
    this.keepAlive.unref();
    socket.send(readyReply({ id: binding.sessionId, t: binding.t }, binding.model));
  }

  /** Frames received and not answered yet, the running one included (for diagnostics). */
  get pendingFrames(): number {
    return this.queue.length + this.inFlight;
  }

  /** Whether the server has stopped reading this socket because too much is pending. */
  get readingPaused(): boolean {
    return this.pausedForBacklog;
  }

  /**
   * Liveness, called every STREAM_PING_INTERVAL_MS: ping an idle peer, drop one that did not
   * answer the last ping, and keep the session of a live one from expiring.
   */
  tick(): void {
    if (this.phase !== 'open') return;
    // A stream with work in hand is alive enough, and a peer we stopped reading cannot answer.
    if (this.running || this.queue.length > 0) {
      this.heard();
    } else if (this.awaitingPong) {
      this.context.log.info('stream peer answered no ping: connection dropped');
      this.socket.terminate();
      return;
    } else {
      if (!this.heardSinceTick) {
        this.awaitingPong = true;
        this.socket.ping();
      }
      this.heardSinceTick = false;
    }
    // The peer answered within the last two ticks (or it would have been dropped above).
    this.renewSessionIfDue();
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
    this.heard();
    if (!this.answering) return;
    let command: StreamCommand;
    if (this.phase === 'draining') {
      // Parsed only for its id, so the client can tell which message was not processed.
      const id = isBinary ? undefined : parseTextFrame(data.toString('utf8'), this.tokenModel).id;
      command = refusedCommand(id, new ShuttingDownError('the server is shutting down; this message was not processed'));
    } else if (isBinary) {
      command = parseBinaryFrame(data, this.binding.model.inputSize, this.tokenModel);
    } else {
      command = parseTextFrame(data.toString('utf8'), this.tokenModel);
    }
    this.queue.push({ command, bytes: data.byteLength });
    this.queuedBytes += data.byteLength;
    const { maxPendingFrames, maxPendingBytes } = this.context.limits;
    if (!this.pausedForBacklog && (this.queue.length >= maxPendingFrames || this.queuedBytes >= maxPendingBytes)) {
      this.pausedForBacklog = true;
      this.socket.pause();
    }
    if (!this.running) void this.work();
  }

  /** Answers queued commands one at a time until the queue is empty or the stream closes. */
  private async work(): Promise<void> {
    this.running = true;
    while (this.queue.length > 0 && this.answering) {
      const count = this.replayAlone > 0 ? 1 : mergeableCount(this.queue, this.binding.model.inputSize);
      const taken = this.queue.splice(0, count);
      for (const { bytes } of taken) this.queuedBytes -= bytes;
      this.inFlight = count;
      let replies: (string | Buffer)[] | undefined;
      if (count === 1) {
        if (this.replayAlone > 0) this.replayAlone--;
        replies = [await this.execute(taken[0]!.command)];
      } else {
        replies = await this.executeMerged(taken.map((pending) => pending.command));
      }
      this.inFlight = 0;
      if (!this.answering) break;
      if (replies === undefined) {
        // The merged step was refused, so nothing changed: replay the run one message at a
        // time, so each error is answered for the message that caused it.
        this.queue.unshift(...taken);
        for (const { bytes } of taken) this.queuedBytes += bytes;
        this.replayAlone = count;
        continue;
      }
      for (const reply of replies) this.socket.send(reply, this.onFlushed);
      if (this.closeAfterReply !== undefined) {
        this.close(this.closeAfterReply.code, this.closeAfterReply.reason);
        break;
      }
      if (this.socket.bufferedAmount > this.context.limits.maxBufferedBytes) await this.waitForReader();
      this.resumeReadingIfDrained();
    }
    this.running = false;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }

  /**
   * Runs a run of element (or binary) commands as one step and answers each as if it had run
   * alone; undefined when the step was refused (then nothing changed: see coalesce.ts).
   */
  private async executeMerged(commands: readonly StreamCommand[]): Promise<(string | Buffer)[] | undefined> {
    const { inference } = this.context;
    const { sessionId } = this.binding;
    try {
      if (commands[0]!.kind === 'element') {
        const elements = commands as readonly ElementCommand[];
        const outcome = await inference.step(sessionId, mergeElements(elements, this.tokenModel), 'stream');
        this.sawSession(outcome.session);
        const O = outcome.model.outputSize;
        const firstT = outcome.session.t - elements.length;
        this.invalidInARow = 0;
        return elements.map((command, i) => outputReply(firstT + i + 1, outcome.outputs.subarray(i * O, (i + 1) * O), command.id));
      }
      const frames = commands as readonly BinaryCommand[];
      const outcome = await inference.step(sessionId, { vectors: mergeBinary(frames) }, 'stream');
      this.sawSession(outcome.session);
      const I = this.binding.model.inputSize;
      const O = outcome.model.outputSize;
      this.invalidInARow = 0;
      let row = 0;
      return frames.map((frame) => {
        const rows = frame.values.length / I;
        const reply = binaryReply(outcome.outputs.subarray(row * O, (row + rows) * O));
        row += rows;
        return reply;
      });
    } catch {
      return undefined;
    }
  }

  /** Runs one command; failures become error frames, never exceptions. */
  private async execute(command: StreamCommand): Promise<string | Buffer> {
    const { inference } = this.context;
    const { sessionId } = this.binding;
    try {
      let reply: string | Buffer;
      switch (command.kind) {
        case 'element': {
          const outcome = await inference.step(sessionId, command.input, 'stream');
          this.sawSession(outcome.session);
          reply = outputReply(outcome.session.t, outcome.outputs, command.id);
          break;
        }
        case 'sequence': {
          const outcome = await inference.step(sessionId, command.input, 'stream');
          this.sawSession(outcome.session);
          reply = outputsReply(outcome.session.t, outcome.outputs, outcome.steps, outcome.model.outputSize, command.id);
          break;
        }
        case 'binary': {
          const outcome = await inference.step(sessionId, { vectors: command.values }, 'stream');
          this.sawSession(outcome.session);
          reply = binaryReply(outcome.outputs);
          break;
        }
        case 'reset': {
          const session = await inference.reset(sessionId, command.state);
          this.sawSession(session);
          reply = resetReply(session.t, command.id);
          break;
        }
        case 'state': {
          const { session, model } = await inference.getSession(sessionId);
          this.sawSession(session);
          reply = stateReply(session.t, stateToJson(model.stateLayout, session.state), command.id);
          break;
        }
        case 'generate': {
          const outcome = await this.generate(command);
          this.sawSession(outcome.session);
          reply = generatedReply(outcome.session.t, outcome.result, command.id);
          break;
        }
        case 'refused':
          throw command.error;
      }
      this.invalidInARow = 0;
      return reply;
    } catch (error) {
      // A generation stopped because the stream is closing: no reply is wanted.
      if (error instanceof StreamClosingError) return '';
      return this.errorFrame(command, error);
    }
  }

  /**
   * Runs a generate message on the session, sending each token as it is chosen. The token hook
   * is awaited by the generation, so a client that does not read pauses it like any other reply
   * (and is closed as a slow consumer if it stays that way, which stops the generation unwritten).
   */
  private generate(command: GenerateCommand): Promise<SessionGenerationOutcome> {
    let sent = 0;
    const onToken = async (token: GeneratedToken): Promise<void> => {
      // The generation starts over (index 0 again) when another replica wrote the session before
      // its result could be stored. Its first tokens are on the wire already; a second run would
      // send different ones as if they followed. Refuse instead: nothing is stored.
      if (token.index < sent) {
        throw new SequenceConflictError(
          `session '${this.binding.sessionId}' was changed by another request while tokens were generated; ` +
            `the ${sent} tokens sent were not applied and nothing was changed, retry`,
        );
      }
      if (!this.answering) throw new StreamClosingError();
      this.socket.send(tokenReply(token, command.id), this.onFlushed);
      sent++;
      if (this.socket.bufferedAmount > this.context.limits.maxBufferedBytes) await this.waitForReader();
      if (!this.answering) throw new StreamClosingError();
    };
    const { inference, limits } = this.context;
    return generateInSession(inference, this.binding.sessionId, command.input, limits, { onToken }, 'stream');
  }

  /** Remembers the session's expiry as of a record the service returned. */
  private sawSession(session: Pick<SessionRecord, 'expiresAt'>): void {
    if (session.expiresAt > this.sessionExpiresAt) this.sessionExpiresAt = session.expiresAt;
  }

  /**
   * Restarts the session's idle TTL when it would otherwise expire before the stream is sure to
   * be heard from again: within half its TTL, or within two ping intervals, whichever is longer.
   * So an idle stream costs one session write per half TTL, and none while its own messages (or
   * another client's) keep the session fresh. The service re-reads the session and renews it
   * only if it is still due (no write: a message running meanwhile still stores its result). A
   * session found gone closes an idle stream with 4404.
   */
  private renewSessionIfDue(): void {
    if (this.renewal !== undefined) return;
    const { inference, limits, log } = this.context;
    const renewWithinMs = Math.max((this.binding.ttlSeconds * 1000) / 2, 2 * limits.pingIntervalMs);
    if (this.sessionExpiresAt - inference.now() > renewWithinMs) return;
    this.renewal = inference
      .touch(this.binding.sessionId, renewWithinMs)
      .then(
        (session) => this.sawSession(session),
        (error: unknown) => {
          if ((error as { code?: unknown }).code !== SESSION_NOT_FOUND) {
            log.warn({ err: error }, 'could not renew the session of an open stream');
          } else if (this.phase === 'open' && !this.running && this.queue.length === 0) {
            // With work in hand, that work's SESSION_NOT_FOUND reply closes the stream instead.
            this.close(CloseCode.SESSION_GONE, 'the session was deleted or has expired');
          }
        },
      )
      .finally(() => (this.renewal = undefined));
  }

  private errorFrame(command: StreamCommand, error: unknown): string {
    let code = (error as { code?: unknown }).code;
    let message = error instanceof Error ? error.message : String(error);
    if (typeof code !== 'string' || !SERVICE_CODES.has(code)) {
      this.context.log.error({ err: error }, 'stream message failed');
      const internal = new InternalError('internal error; the details are in the server log');
      code = internal.code;
      message = internal.message;
    }
    if (code === INVALID_INPUT && ++this.invalidInARow >= this.context.limits.maxConsecutiveInvalidFrames) {
      this.closeAfterReply = { code: CloseCode.POLICY_VIOLATION, reason: `${this.invalidInARow} invalid messages in a row` };
    } else if (code === SESSION_NOT_FOUND) {
      this.closeAfterReply = { code: CloseCode.SESSION_GONE, reason: 'the session was deleted or has expired' };
    }
    // The service names a one-element step's input inputs[0] (or tokens[0]); the client sent x.
    if (command.kind === 'element') message = message.replace(/^(inputs|tokens)\[0\]/, 'x');
    return errorReply(code as string, message, command.id);
  }

  /** Waits until the client has read enough of its replies, or closes it as a slow consumer. */
  private waitForReader(): Promise<void> {
    const { maxBufferedBytes, sendTimeoutMs } = this.context.limits;
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.wakeWriter = undefined;
        const unread = this.socket.bufferedAmount;
        this.context.log.info({ unread }, 'stream client does not read its replies: closed as a slow consumer');
        this.close(CloseCode.POLICY_VIOLATION, `slow consumer: ${unread} bytes unread after ${sendTimeoutMs} ms (limit ${maxBufferedBytes})`);
        resolve();
      }, sendTimeoutMs);
      this.wakeWriter = () => {
        clearTimeout(timer);
        this.wakeWriter = undefined;
        resolve();
      };
    });
  }

  private resumeReadingIfDrained(): void {
    if (!this.pausedForBacklog || this.phase !== 'open') return;
    const { maxPendingFrames, maxPendingBytes } = this.context.limits;
    if (this.queue.length <= maxPendingFrames / 2 && this.queuedBytes < maxPendingBytes / 2) {
      this.pausedForBacklog = false;
      this.socket.resume();
    }
  }

  /** Starts the close handshake; nothing more is computed for this stream. */
  private close(code: number, reason: string): void {
    if (this.phase === 'closing' || this.phase === 'closed') return;
    this.phase = 'closing';
    this.queue.length = 0;
    this.queuedBytes = 0;
    // Read again so the peer's close frame arrives (frames before it are ignored now).
    if (this.pausedForBacklog) this.socket.resume();
    this.socket.close(code, truncateReason(reason));
  }

  /** Whether replies are still wanted (a getter, so it is read afresh after every await). */
  private get answering(): boolean {
    return this.phase === 'open' || this.phase === 'draining';
  }

  private heard(): void {
    this.heardSinceTick = true;
    this.awaitingPong = false;
  }

  private whenIdle(): Promise<void> {
    if (!this.running && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private async onSocketClose(): Promise<void> {
    this.phase = 'closed';
    clearInterval(this.keepAlive);
    this.wakeWriter?.();
    this.context.onSocketClose();
    // Queued commands are dropped; the one running finishes, so the session is never left mid-write.
    this.queue.length = 0;
    this.queuedBytes = 0;
    await this.whenIdle();
    await this.renewal;
    if (this.binding.owned) {
      try {
        await this.context.inference.deleteSession(this.binding.sessionId);
      } catch (error) {
        if ((error as { code?: unknown }).code !== SESSION_NOT_FOUND) {
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
