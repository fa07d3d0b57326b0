// The client: one object holding the server's address (or several replicas') and the API key,
// with methods named after the API's nouns and verbs. Stateless calls (predict, generate,
// forecast) return the server's answers; sessions and streams are objects of their own.
import { HttpTransport } from './http.js';
import { inputsBody } from './inputs.js';
import { Session } from './session.js';
import { Stream, type StreamOptions } from './stream.js';
import type {
  ForecastResponse,
  GenerateOptions,
  GenerateResponse,
  Inputs,
  ModelInfo,
  ModelList,
  PredictBatchResponse,
  PredictResponse,
  Readiness,
  SequenceResult,
  SessionInfo,
  State,
  Token,
  Vector,
} from './types.js';

export interface ClientOptions {
  /** Sent as `Authorization: Bearer <key>` (in a browser, as ?api_key= on streams). */
  readonly apiKey?: string | undefined;
  /** Per-request timeout; default 30 s. */
  readonly timeoutMs?: number;
  /** Default: globalThis.fetch. */
  readonly fetch?: typeof fetch;
}

/** One sequence of a batch: its inputs and an optional start state. */
export type BatchSequence = Inputs | { readonly inputs: readonly Vector[]; readonly state?: State } | { readonly text: string; readonly state?: State } | { readonly tokens: readonly Token[]; readonly state?: State };

export interface SessionOptions {
  /** Start state (zeros otherwise). */
  readonly state?: State;
  /** Idle time to live, at most the server's SESSION_TTL_SECONDS. */
  readonly ttlSeconds?: number;
}

export class Client {
  readonly http: HttpTransport;

  /**
   * `url`: the server (http://host:port), or several replicas behind no load balancer: requests
   * and streams move to the next one when one cannot be reached.
   */
  constructor(url: string | readonly string[], options: ClientOptions = {}) {
    this.http = new HttpTransport({ endpoints: typeof url === 'string' ? [url] : url, ...options });
  }

  /** Every model package, loaded or failed. */
  async models(): Promise<ModelInfo[]> {
    return (await this.http.request<ModelList>('GET', '/v1/models')).models;
  }

  /** One model: sizes, vocabulary or labels, status. */
  model(name: string): Promise<ModelInfo> {
    return this.http.request<ModelInfo>('GET', `/v1/models/${encodeURIComponent(name)}`);
  }

  /** GET /readyz (503 answers too: they say why). */
  async readiness(): Promise<Readiness> {
    try {
      return await this.http.request<Readiness>('GET', '/readyz');
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 503) return { status: 'not_ready', models_ready: 0, models_failed: 0, session_store: String((error as Error).message) };
      throw error;
    }
  }

  /** Every y_t of one sequence and the final state, from `state` or zeros. */
  predict(model: string, inputs: Inputs, options: { state?: State } = {}): Promise<PredictResponse> {
    return this.http.request<PredictResponse>('POST', this.modelPath(model, '/predict'), { ...inputsBody(inputs), ...(options.state ? { state: options.state } : {}) });
  }

  /** Several sequences (of any lengths) at once; results in their order. */
  async predictBatch(model: string, sequences: readonly BatchSequence[]): Promise<SequenceResult[]> {
    const body = {
      sequences: sequences.map((sequence) => {
        if (Array.isArray(sequence)) return inputsBody(sequence as readonly Vector[]);
        const { state, ...rest } = sequence as { state?: State } & Inputs;
        return { ...inputsBody(rest as Inputs), ...(state ? { state } : {}) };
      }),
    };
    return (await this.http.request<PredictBatchResponse>('POST', this.modelPath(model, '/predict'), body)).results;
  }

  /** Text from a token model: the prompt, then sampled tokens (same seed, same text). */
  generate(model: string, prompt: { text: string } | { tokens: readonly Token[] }, options: GenerateOptions & { state?: State } = {}): Promise<GenerateResponse> {
    return this.http.request<GenerateResponse>('POST', this.modelPath(model, '/generate'), { return_state: false, ...prompt, ...options });
  }

  /** The history, then `horizon` predictions, each fed back as the next input (raw units). */
  async forecast(model: string, inputs: readonly Vector[], horizon: number, options: { state?: State } = {}): Promise<number[][]> {
    const body = { inputs: inputs.map((row) => Array.from(row)), horizon, return_state: false, ...(options.state ? { state: options.state } : {}) };
    return (await this.http.request<ForecastResponse>('POST', this.modelPath(model, '/forecast'), body)).outputs;
  }

  /** A new session on `model` (delete it with session.delete(), or use withSession). */
  async session(model: string, options: SessionOptions = {}): Promise<Session> {
    const info = await this.http.request<SessionInfo>('POST', '/v1/sessions', {
      model,
      ...(options.state ? { state: options.state } : {}),
      ...(options.ttlSeconds !== undefined ? { ttl_seconds: options.ttlSeconds } : {}),
    });
    return new Session(this.http, info);
  }

  /** An existing session, by id. */
  async getSession(id: string): Promise<Session> {
    const info = await this.http.request<SessionInfo>('GET', `/v1/sessions/${encodeURIComponent(id)}`);
    return new Session(this.http, info);
  }

  /** Runs `use` on a new session and deletes the session afterwards, whatever happens. */
  async withSession<T>(model: string, use: (session: Session) => Promise<T>, options: SessionOptions = {}): Promise<T> {
    const session = await this.session(model, options);
    try {
      return await use(session);
    } finally {
      await session.delete();
    }
  }

  /**
   * A resumable stream on a new session of `model`. The session is created over REST (a session
   * owned by a connection would be deleted when the connection drops, leaving nothing to resume)
   * and deleted by stream.close().
   */
  async stream(model: string, options: StreamOptions & SessionOptions = {}): Promise<Stream> {
    const session = await this.session(model, options);
    try {
      return await Stream.attach(this.http, session.id, options, () => session.delete());
    } catch (error) {
      await session.delete().catch(() => undefined);
      throw error;
    }
  }

  /** A resumable stream on an existing session (left in place by close()). */
  attach(sessionId: string, options: StreamOptions = {}): Promise<Stream> {
    return Stream.attach(this.http, sessionId, options);
  }

  private modelPath(model: string, suffix: string): string {
    return `/v1/models/${encodeURIComponent(model)}${suffix}`;
  }
}
