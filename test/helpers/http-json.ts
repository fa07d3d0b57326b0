// JSON over real HTTP (fetch), for servers in child processes where app.inject cannot reach.

export interface JsonReply {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Record<string, unknown>;
}

/** `method path` on `baseUrl` with a JSON body (when given); the reply parsed as JSON. */
export async function requestJson(baseUrl: string, method: string, path: string, body?: unknown): Promise<JsonReply> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await response.text();
  let parsed: Record<string, unknown>;
  try {
    parsed = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
  } catch {
    throw new Error(`${method} ${path} answered ${response.status} with a body that is not JSON: ${text.slice(0, 200)}`);
  }
  return { status: response.status, headers: response.headers, body: parsed };
}

/** The same, failing with the reply when its status is not `status`. */
export async function expectJson(status: number, baseUrl: string, method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const reply = await requestJson(baseUrl, method, path, body);
  if (reply.status !== status) {
    throw new Error(`${method} ${baseUrl}${path} answered ${reply.status}, expected ${status}: ${JSON.stringify(reply.body)}`);
  }
  return reply.body;
}
