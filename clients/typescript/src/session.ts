// A session over REST: the server keeps its state between calls. Every step carries the t the
// session is expected at, so a step resent after a timeout is refused (ConflictError) rather than
// applied twice.
import type { HttpTransport } from './http.js';
import { inputsBody } from './inputs.js';
import type { ForecastResponse, GenerateOptions, Inputs, SessionForecastResponse, SessionGenerateResponse, SessionInfo, SessionWithState, State, StepResponse, Token, Vector } from './types.js';

export class Session {
  /** The session's t as this client last saw it. */
  t: number;

  constructor(
    private readonly http: HttpTransport,
    /** What POST /v1/sessions answered. */
    readonly info: SessionInfo,
  ) {
    this.t = info.t;
  }

  get id(): string {
    return this.info.session_id;
  }

  get model(): string {
    return this.info.model;
  }

  private path(suffix = ''): string {
    return `/v1/sessions/${encodeURIComponent(this.id)}${suffix}`;
  }

  /** One element (a vector, or a token of a token model): its output row. */
  async step(x: Vector | Token): Promise<number[]> {
    const body = typeof x === 'number' || typeof x === 'string' ? { tokens: [x] } : { inputs: [Array.from(x)] };
    return (await this.advance(body)).outputs[0]!;
  }

  /** Several elements: T x output_size. */
  async steps(inputs: Inputs): Promise<number[][]> {
    return (await this.advance(inputsBody(inputs))).outputs;
  }

  private async advance(body: Record<string, unknown>): Promise<StepResponse> {
    const answer = await this.http.request<StepResponse>('POST', this.path('/steps'), { ...body, expected_t: this.t });
    this.t = answer.t;
    return answer;
  }

  /** The session with its state (t, h, c). */
  async state(): Promise<SessionWithState> {
    const answer = await this.http.request<SessionWithState>('GET', this.path());
    this.t = answer.t;
    return answer;
  }

  /** Back to t = 0, from `state` or zeros. */
  async reset(state?: State): Promise<SessionInfo> {
    const answer = await this.http.request<SessionInfo>('POST', this.path('/reset'), state ? { state } : {});
    this.t = answer.t;
    return answer;
  }

  /** Generates from the session's state (token models) and advances it. */
  async generate(prompt: { text: string } | { tokens: readonly Token[] }, options: GenerateOptions = {}): Promise<SessionGenerateResponse> {
    const answer = await this.http.request<SessionGenerateResponse>('POST', this.path('/generate'), { ...prompt, ...options, expected_t: this.t, return_state: false });
    this.t = answer.t;
    return answer;
  }

  /** Runs `inputs`, then `horizon` predictions each fed back; advances the session. */
  async forecast(inputs: readonly Vector[], horizon: number): Promise<ForecastResponse['outputs']> {
    const answer = await this.http.request<SessionForecastResponse>('POST', this.path('/forecast'), { inputs: inputs.map((row) => Array.from(row)), horizon, expected_t: this.t, return_state: false });
    this.t = answer.t;
    return answer.outputs;
  }

  /** Deletes the session (204); a session already gone is not an error here. */
  async delete(): Promise<void> {
    try {
      await this.http.request('DELETE', this.path());
    } catch (error) {
      if ((error as { code?: string }).code !== 'SESSION_NOT_FOUND') throw error;
    }
  }
}
