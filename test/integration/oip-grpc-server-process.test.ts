// The real server process (src/server.ts) serves gRPC on GRPC_PORT next to HTTP, and SIGTERM
// drains it: an open ModelStreamInfer gets its answers, then ends UNAVAILABLE, and the process
// exits cleanly. Uses a client of the official proto (runs when ../shared exists).
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { officialClient } from '../helpers/oip-grpc.js';
import { servedModelsDir } from '../helpers/oip.js';
import { ServerProcess } from '../helpers/server-process.js';

const MODELS_DIR = servedModelsDir();

/** A port nothing listens on now (GRPC_PORT=0 means "no gRPC server", so the test picks one). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('the server process with GRPC_PORT', () => {
  it('serves gRPC, and drains it on SIGTERM', async (t) => {
    const grpcPort = await freePort();
    const server = await ServerProcess.start({ MODELS_DIR, GRPC_PORT: String(grpcPort) });
    t.after(() => server.stop());
    await server.waitForLog((line) => line.msg === 'gRPC server listening' && line.port === grpcPort, 'the gRPC server listening');
    const client = officialClient(`127.0.0.1:${grpcPort}`, t);
    assert.deepEqual(await client.call('ServerReady'), { ready: true });

    const stream = client.stream();
    const answers: Record<string, unknown>[] = [];
    stream.on('data', (message: Record<string, unknown>) => answers.push(message));
    const ended = new Promise<{ code?: number }>((resolve) => stream.on('error', resolve));
    const request = {
      model_name: 'co2-lstm',
      parameters: { sequence_id: { string_param: 'process-seq' }, sequence_start: { bool_param: true } },
      inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 2, 1] }],
      raw_input_contents: [Buffer.from(new Float32Array([330, 331]).buffer)],
    };
    stream.write(request);
    await new Promise<void>((resolve) => stream.once('data', () => resolve()));
    assert.equal(answers[0]!.error_message, '');

    server.signal('SIGTERM');
    assert.equal((await ended).code, status.UNAVAILABLE);
    assert.deepEqual(await server.exited, { code: 0, signal: null });
  });
});
