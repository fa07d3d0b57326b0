// The HTTP side: JSON requests to one of the client's endpoints, with the API key as a Bearer
// token, answers parsed, and errors turned into the client's error classes. Endpoints are tried
// in order, moving on only when one cannot be connected to (nothing was sent, so nothing can
// have been applied twice).
import { ConnectionError, errorFor } from './errors.js';

export interface HttpOptions {
  /** Base URLs (http://host:port), tried in order; the first that answers is kept. */
  readonly endpoints: readonly string[];
  readonly apiKey?: string | undefined;
  /** Per-request timeout; default 30 s. */
  readonly timeoutMs?: number;
  /** Default: globalThis.fetch. */
  readonly fetch?: typeof fetch;
}

export class HttpTransport {
  readonly endpoints: readonly string[];
  readonly apiKey: string | undefined;
  private current = 0;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;

  constructor(options: HttpOptions) {
    if (options.endpoints.length === 0) throw new TypeError('at least one endpoint URL is needed');
    this.endpoints = options.endpoints.map((url) => url.replace(/\/+$/, ''));
    this.apiKey = options.apiKey;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  /** The endpoint in use (requests and streams go there first). */
  get endpoint(): string {
    return this.endpoints[this.current]!;
  }

  /** Moves on to the next endpoint (a stream that lost its server calls it). */
  rotate(): void {
    this.current = (this.current + 1) % this.endpoints.length;
  }

  /** A JSON request; resolves with the parsed answer (undefined for 204). */
  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.apiKey !== undefined) headers.authorization = `Bearer ${this.apiKey}`;
    const init: RequestInit = { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) };
    let lastError: unknown;
    let retried = false;
    for (let tried = 0; tried < this.endpoints.length; tried++) {
      let response: Response;
      try {
        response = await this.fetchImpl(`${this.endpoint}${path}`, { ...init, signal: AbortSignal.timeout(this.timeoutMs) });
      } catch (error) {
        lastError = error;
        if (isConnectFailure(error)) {
          this.rotate();
          continue;
        }
        // A pooled connection the peer had closed: a read or a delete may go again, once.
        if (IDEMPOTENT.has(method) && !retried) {
          retried = true;
          tried--;
          continue;
        }
        break;
      }
      return parseAnswer<T>(response);
    }
    throw new ConnectionError('CONNECTION_FAILED', `${method} ${path}: no endpoint answered (${describe(lastError)})`, undefined, undefined, { cause: lastError });
  }
}

const IDEMPOTENT = new Set(['GET', 'DELETE', 'HEAD']);

async function parseAnswer<T>(response: Response): Promise<T> {
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (response.ok) return body as T;
  const error = (body ?? {}) as { code?: unknown; message?: unknown };
  const retryAfter = Number(response.headers.get('retry-after') ?? NaN);
  throw errorFor(
    typeof error.code === 'string' ? error.code : `HTTP_${response.status}`,
    typeof error.message === 'string' ? error.message : text || response.statusText,
    response.status,
    Number.isFinite(retryAfter) ? retryAfter : undefined,
  );
}

/** True when the request never reached a server (refused, unreachable): safe to send elsewhere. */
function isConnectFailure(error: unknown): boolean {
  const cause = (error as { cause?: { code?: unknown } } | undefined)?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : '';
  if (['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT'].includes(code)) return true;
  // Browsers say only "Failed to fetch" (a TypeError) for any network failure.
  return error instanceof TypeError && cause === undefined;
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    return cause instanceof Error ? `${error.message}: ${cause.message}` : error.message;
  }
  return String(error);
}
