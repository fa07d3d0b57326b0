// The real server reads .env from its working directory (as `npm start` runs it, from the
// checkout), and the environment it is started with wins over the file.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { requestJson } from '../helpers/http-json.js';
import { ServerProcess } from '../helpers/server-process.js';

describe('a server started in a folder with a .env', () => {
  let cwd: string;
  let server: ServerProcess;
  before(async () => {
    cwd = mkdtempSync(join(tmpdir(), 'rnn-serve-dotenv-'));
    // ServerProcess sets HOST, PORT and API_KEYS in the environment: the file's values must lose.
    writeFileSync(
      join(cwd, '.env'),
      ['# as a user would copy it from .env.example', 'MAX_SEQUENCE_LENGTH=3', 'HOST=0.0.0.0', 'PORT=1', 'API_KEYS=from-the-env-file-0123456789', ''].join('\n'),
    );
    server = await ServerProcess.start({}, { cwd });
  });
  after(async () => {
    await server?.stop();
    rmSync(cwd, { recursive: true, force: true });
  });

  it('takes what the environment leaves unset from the file', async () => {
    const inputs = [[0.1, 0.2, 0.3], [0, 0, 0], [1, 1, 1], [0.5, 0.5, 0.5]];
    const tooLong = await requestJson(server.baseUrl, 'POST', '/v1/models/rnn_tanh/predict', { inputs });
    assert.equal(tooLong.status, 400, JSON.stringify(tooLong.body));
    assert.match(String(tooLong.body.message), /more than the limit of 3 \(MAX_SEQUENCE_LENGTH\)/);
  });

  it('keeps what the environment sets: its address and its (empty) API keys', async () => {
    const reply = await requestJson(server.baseUrl, 'POST', '/v1/models/rnn_tanh/predict', { inputs: [[0.1, 0.2, 0.3]] });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    assert.notEqual(server.port, 1);
  });
});
