// One ModelStreamInfer call (Triton's bidi stream): one response per request, in request order;
// a failed request answers error_message and the stream stays open. Requests of different
// sequences (and stateless ones) run concurrently, so the batching scheduler can batch them;
// requests of one sequence run one after the other, in arrival order. At most `maxPending`
// requests are read ahead of their written answers (then the call is paused: HTTP/2 flow
// control holds the client), and a reader that does not read stops the stream from computing.
import { once } from 'node:events';
import { status as GrpcStatus, type ServerDuplexStream } from '@grpc/grpc-js';
import { ShuttingDownError } from '../errors.js';
import type { InferResponse } from '../oip/types.js';
import { toGrpcResponse, type GrpcInferRequest } from './messages.js';

export interface StreamInferOptions {
  /** GRPC_STREAM_MAX_PENDING: requests read but not yet answered. */
  readonly maxPending: number;
  readonly run: (request: GrpcInferRequest) => Promise<InferResponse>;
  /** Records one answered request; for a failed one, returns the in-band error message. */
  readonly onResult: (seconds: number, error?: unknown) => string;
  readonly onClose: () => void;
}

const SHUTTING_DOWN = 'the server is shutting down; retry on another instance';

export class StreamInferSession {
  private pending = 0;
  /** Answers are written in this chain's order, which is the requests' order. */
  private writes: Promise<void> = Promise.resolve();
  /** The last request of each sequence in flight: the next one of that sequence waits for it. */
  private readonly lastOfSequence = new Map<string, Promise<unknown>>();
  private clientEnded = false;
  private draining = false;
  private closed = false;
  private idle: (() => void) | undefined;

  constructor(
    private readonly call: ServerDuplexStream<GrpcInferRequest, unknown>,
    private readonly options: StreamInferOptions,
  ) {
    call.on('data', (request: GrpcInferRequest) => this.accept(request));
    call.on('end', () => {
      this.clientEnded = true;
      this.settle();
    });
    call.on('cancelled', () => this.close());
    call.on('error', () => this.close());
  }

  /** Stops taking requests: those in flight are answered, later ones refused in-band, then the stream ends UNAVAILABLE. */
  drain(): Promise<void> {
    this.draining = true;
    if (this.closed) return Promise.resolve();
    const done = new Promise<void>((resolve) => {
      this.idle = resolve;
    });
    this.settle();
    return done;
  }

  private accept(request: GrpcInferRequest): void {
    if (this.closed) return;
    this.pending++;
    if (this.pending >= this.options.maxPending) this.call.pause();
    const started = process.hrtime.bigint();
    const key = sequenceKey(request);
    const previous = key === undefined ? undefined : this.lastOfSequence.get(key);
    const work = this.draining
      ? Promise.reject(new ShuttingDownError(SHUTTING_DOWN))
      : (previous ?? Promise.resolve()).then(() => this.options.run(request));
    // The answer is built as soon as the work settles (no rejection is ever left unhandled).
    const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
    const answer = work.then(
      (response) => {
        this.options.onResult(seconds());
        return { error_message: '', infer_response: toGrpcResponse(response) };
      },
      (error: unknown) => ({
        error_message: this.options.onResult(seconds(), error),
        infer_response: { model_name: request.model_name ?? '', model_version: request.model_version ?? '', id: request.id ?? '' },
      }),
    );
    if (key !== undefined) {
      const settled = answer.then(() => undefined);
      this.lastOfSequence.set(key, settled);
      void settled.then(() => {
        if (this.lastOfSequence.get(key) === settled) this.lastOfSequence.delete(key);
      });
    }
    this.writes = this.writes.then(async () => {
      const message = await answer;
      if (!this.closed && !this.call.write(message)) await once(this.call, 'drain').catch(() => undefined);
      this.pending--;
      if (this.pending < this.options.maxPending && !this.closed) this.call.resume();
      this.settle();
    });
  }

  /** Ends the call once nothing is pending: OK after the client's end, UNAVAILABLE when draining. */
  private settle(): void {
    if (this.closed || this.pending > 0) return;
    if (this.clientEnded) {
      this.call.end();
      this.close();
    } else if (this.draining) {
      this.call.emit('error', { code: GrpcStatus.UNAVAILABLE, details: SHUTTING_DOWN });
      this.close();
    }
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.options.onClose();
    this.idle?.();
  }
}

/** The request's sequence_id as the session id it names; undefined when it has none. */
function sequenceKey(request: GrpcInferRequest): string | undefined {
  const parameter = request.parameters?.sequence_id;
  const choice = parameter?.parameter_choice as keyof typeof parameter | undefined;
  if (parameter === undefined || choice === undefined || choice === 'parameter_choice') return undefined;
  const value = parameter[choice];
  return value === undefined || value === '' || value === '0' ? undefined : String(value);
}
