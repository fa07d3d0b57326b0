// Streams one column of a CSV file through a model over a WebSocket, one value per message, and
// prints y_t for every row as CSV. The values are pipelined (up to WINDOW messages in flight);
// the server answers in order, so each reply belongs to the oldest row still unanswered.
//
//   npx tsx examples/stream-csv.ts <server url> <model> <csv file> <column name or 0-based index>
//   npx tsx examples/stream-csv.ts http://127.0.0.1:8080 co2-lstm examples/co2-weekly.csv co2_ppm
//
// The model must take one value per element (input_size 1). API_KEY in the environment is sent
// as a Bearer token. The file is read whole: no quoted fields with commas (a small example, not a
// CSV library).
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';

const WINDOW = 32;

interface Ready {
  type: 'ready';
  session_id: string;
  t: number;
  input_size: number;
  output_size: number;
}

function fail(message: string): never {
  console.error(`stream-csv: ${message}`);
  process.exit(1);
}

function readColumn(path: string, column: string): { name: string; values: number[] } {
  const lines = readFileSync(path, 'utf8').split(/\r?\n/).filter((line) => line.trim() !== '');
  const header = (lines.shift() ?? fail(`${path} is empty`)).split(',').map((cell) => cell.trim());
  const index = /^\d+$/.test(column) ? Number(column) : header.indexOf(column);
  if (index < 0 || index >= header.length) fail(`${path} has no column ${column} (columns: ${header.join(', ')})`);
  const values = lines.map((line, i) => {
    const cell = line.split(',')[index]?.trim() ?? '';
    const value = Number(cell);
    if (cell === '' || !Number.isFinite(value)) fail(`${path} line ${i + 2}: ${JSON.stringify(cell)} is not a number`);
    return value;
  });
  return { name: header[index]!, values };
}

function streamUrl(server: string, model: string): string {
  const url = new URL(`/v1/models/${encodeURIComponent(model)}/stream`, server);
  url.protocol = url.protocol === 'https:' || url.protocol === 'wss:' ? 'wss:' : 'ws:';
  return url.toString();
}

async function main(): Promise<void> {
  const [server, model, csvPath, column] = process.argv.slice(2);
  if (server === undefined || model === undefined || csvPath === undefined || column === undefined) {
    fail('usage: stream-csv.ts <server url> <model> <csv file> <column name or 0-based index>');
  }
  const { name, values } = readColumn(csvPath, column);
  if (values.length === 0) fail(`${csvPath} has no rows`);

  const apiKey = process.env.API_KEY;
  const socket = new WebSocket(streamUrl(server, model), apiKey ? { headers: { authorization: `Bearer ${apiKey}` } } : {});
  socket.on('unexpected-response', (_request, response) => {
    let body = '';
    response.on('data', (chunk: Buffer) => (body += chunk.toString()));
    response.on('end', () => fail(`the server refused the stream (${response.statusCode}): ${body}`));
  });
  socket.on('error', (error) => fail(error.message));
  socket.on('close', (code, reason) => {
    if (answered < values.length) fail(`the stream closed early (${code} ${reason.toString()}) after ${answered} of ${values.length} rows`);
  });

  let ready: Ready | undefined;
  let sent = 0;
  let answered = 0;
  const sendMore = () => {
    while (sent < values.length && sent - answered < WINDOW) socket.send(JSON.stringify({ x: [values[sent]], id: sent++ }));
  };

  socket.on('message', (data: Buffer) => {
    const message = JSON.parse(data.toString('utf8')) as Record<string, unknown>;
    if (ready === undefined) {
      ready = message as unknown as Ready;
      if (ready.input_size !== 1) fail(`model ${model} does not take one number per element (input_size ${ready.input_size}); a CSV column gives one`);
      const outputs = ready.output_size === 1 ? ['y'] : Array.from({ length: ready.output_size }, (_, j) => `y${j}`);
      console.log(['t', name, ...outputs].join(','));
      sendMore();
      return;
    }
    if (message.type === 'error') fail(`row ${String(message.id)}: ${String(message.code)}: ${String(message.message)}`);
    // y is float32 widened to a double: 7 significant digits is all the precision it has.
    const y = (message.y as number[]).map((v) => Number(v.toPrecision(7)));
    console.log([message.t, values[answered], ...y].join(','));
    answered++;
    if (answered === values.length) socket.close(1000);
    else sendMore();
  });
}

await main();
