// What each stream command does: the call to the inference service and the reply it is answered
// with. A failure becomes an error frame, never an exception (the service validates before it
// writes, so a refused command changed nothing); a run of invalid frames, or a session found
// gone, asks the connection to close after the reply (closeAfterReply).
//
// A `generate` message is answered by a `token` message per token as it is chosen, then its
// final reply; the tokens are sent under the same backpressure as other replies.
import type { FastifyBaseLogger } from 'fastify';
import { stateToJson } from '../codec/outputs.js';
import { SequenceConflictError } from '../errors.js';
import { generateInSession, type GeneratedToken, type SessionGenerationOutcome } from '../service/generation.js';
import type { InferenceService, StepOutcome } from '../service/inference-service.js';
import type { ServedModel } from '../service/served-model.js';
import { internalWireError, serviceWireError, WIRE_CODES } from '../wire-errors.js';
import { CloseCode } from './close-codes.js';
import { mergeBinary, mergeElements } from './coalesce.js';
import type { Reply } from './frames.js';
import type { SessionRenewal } from './keepalive.js';
import type { StreamLimits } from './limits.js';
import type { StreamCommand } from './messages.js';
import type { Outbox } from './outbox.js';
import {
  binaryReply,
  errorReply,
  generatedReply,
  outputFrame,
  outputsReply,
  resetReply,
  stateReply,
  tokenReply,
} from './replies.js';

type ElementCommand = Extract<StreamCommand, { kind: 'element' }>;
type BinaryCommand = Extract<StreamCommand, { kind: 'binary' }>;
type GenerateCommand = Extract<StreamCommand, { kind: 'generate' }>;

/** Thrown from a generation's token hook when the stream is closing: the generation stops, unwritten. */
class StreamClosingError extends Error {}

export interface DispatchContext {
  readonly inference: InferenceService;
  readonly limits: StreamLimits;
  readonly log: FastifyBaseLogger;
  readonly sessionId: string;
  /** The session's model when the stream opened. */
  readonly model: ServedModel;
  readonly outbox: Outbox;
  readonly renewal: SessionRenewal;
  /** Whether replies are still wanted (read afresh after every await). */
  readonly answering: () => boolean;
}

export class CommandDispatch {
  /** Set by a reply that must be the last one (e.g. the invalid frame that tips the limit). */
  closeAfterReply: { code: number; reason: string } | undefined;
  private invalidInARow = 0;
  private readonly tokenModel: boolean;

  constructor(private readonly context: DispatchContext) {
    this.tokenModel = context.model.vocabIndex !== undefined;
  }

  /**
   * The hot path, one element (JSON or binary) on its own: the service's step promise itself,
   * awaited by the connection's loop, then answered by stepReply (or failedReply), so a frame
   * costs no promise besides the service's. undefined for other commands (execute runs them).
   */
  startStep(command: StreamCommand): Promise<StepOutcome> | undefined {
    if (command.kind === 'element') return this.context.inference.step(this.context.sessionId, command.input, 'stream');
    if (command.kind === 'binary') return this.context.inference.step(this.context.sessionId, { vectors: command.values }, 'stream');
    return undefined;
  }

  /** The reply to a command started by startStep. */
  stepReply(command: StreamCommand, outcome: StepOutcome): Reply {
    this.context.renewal.saw(outcome.session);
    this.invalidInARow = 0;
    return command.kind === 'binary' ? binaryReply(outcome.outputs) : outputFrame(outcome.session.t, outcome.outputs, command.id);
  }

  /** The error frame of a command started by startStep whose step failed. */
  failedReply(command: StreamCommand, error: unknown): string {
    return this.errorFrame(command, error);
  }

  /** Runs one command; failures become error frames, never exceptions. '' means: no reply. */
  async execute(command: StreamCommand): Promise<Reply> {
    const { inference, sessionId, renewal } = this.context;
    try {
      let reply: Reply;
      switch (command.kind) {
        case 'element':
        case 'binary':
          reply = this.stepReply(command, await this.startStep(command)!);
          break;
        case 'sequence': {
          const outcome = await inference.step(sessionId, command.input, 'stream');
          renewal.saw(outcome.session);
          reply = outputsReply(outcome.session.t, outcome.outputs, outcome.steps, outcome.model.outputSize, command.id);
          break;
        }
        case 'reset': {
          const session = await inference.reset(sessionId, command.state);
          renewal.saw(session);
          reply = resetReply(session.t, command.id);
          break;
        }
        case 'state': {
          const { session, model } = await inference.getSession(sessionId);
          renewal.saw(session);
          reply = stateReply(session.t, stateToJson(model.stateLayout, session.state), command.id);
          break;
        }
        case 'generate': {
          const outcome = await this.generate(command);
          renewal.saw(outcome.session);
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
   * Runs a run of element (or binary) commands as one step and answers each as if it had run
   * alone; undefined when the step was refused (then nothing changed: see coalesce.ts).
   */
  async executeMerged(commands: readonly StreamCommand[]): Promise<Reply[] | undefined> {
    const { inference, sessionId, renewal } = this.context;
    try {
      if (commands[0]!.kind === 'element') {
        const elements = commands as readonly ElementCommand[];
        const outcome = await inference.step(sessionId, mergeElements(elements, this.tokenModel), 'stream');
        renewal.saw(outcome.session);
        const O = outcome.model.outputSize;
        const firstT = outcome.session.t - elements.length;
        this.invalidInARow = 0;
        return elements.map((command, i) => outputFrame(firstT + i + 1, outcome.outputs.subarray(i * O, (i + 1) * O), command.id));
      }
      const frames = commands as readonly BinaryCommand[];
      const outcome = await inference.step(sessionId, { vectors: mergeBinary(frames) }, 'stream');
      renewal.saw(outcome.session);
      const I = this.context.model.inputSize;
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

  /**
   * Runs a generate message on the session, sending each token as it is chosen. The token hook
   * is awaited by the generation, so a client that does not read pauses it like any other reply
   * (and is closed as a slow consumer if it stays that way, which stops the generation unwritten).
   */
  private generate(command: GenerateCommand): Promise<SessionGenerationOutcome> {
    const { inference, limits, sessionId, outbox, answering } = this.context;
    let sent = 0;
    const onToken = async (token: GeneratedToken): Promise<void> => {
      // The generation starts over (index 0 again) when another replica wrote the session before
      // its result could be stored. Its first tokens are on the wire already; a second run would
      // send different ones as if they followed. Refuse instead: nothing is stored.
      if (token.index < sent) {
        throw new SequenceConflictError(
          `session '${sessionId}' was changed by another request while tokens were generated; ` +
            `the ${sent} tokens sent were not applied and nothing was changed, retry`,
        );
      }
      if (!answering()) throw new StreamClosingError();
      outbox.send(tokenReply(token, command.id));
      sent++;
      if (outbox.backedUp) await outbox.waitForReader();
      if (!answering()) throw new StreamClosingError();
    };
    return generateInSession(inference, sessionId, command.input, limits, { onToken }, 'stream');
  }

  private errorFrame(command: StreamCommand, error: unknown): string {
    const service = serviceWireError(error);
    if (service === undefined) this.context.log.error({ err: error }, 'stream message failed');
    const { code } = service ?? internalWireError();
    let { message } = service ?? internalWireError();
    if (code === WIRE_CODES.INVALID_INPUT && ++this.invalidInARow >= this.context.limits.maxConsecutiveInvalidFrames) {
      this.closeAfterReply = { code: CloseCode.POLICY_VIOLATION, reason: `${this.invalidInARow} invalid messages in a row` };
    } else if (code === WIRE_CODES.SESSION_NOT_FOUND) {
      this.closeAfterReply = { code: CloseCode.SESSION_GONE, reason: 'the session was deleted or has expired' };
    }
    // The service names a one-element step's input inputs[0] (or tokens[0]); the client sent x.
    if (command.kind === 'element') message = message.replace(/^(inputs|tokens)\[0\]/, 'x');
    return errorReply(code, message, command.id);
  }
}
