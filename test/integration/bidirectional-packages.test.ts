// PyTorch bidirectional packages (config.json `bidirectional: true`, state_dict names with
// `_reverse`; test/fixtures/bidirectional, written by training/onnx_fixtures.py): loaded through
// the real loader and served by POST predict with PyTorch's outputs and h_n; sessions and streams
// refused with 409 WHOLE_SEQUENCE_MODEL; weight files that do not fit refused by name.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createNetwork, createReferenceNetwork, withDirectionalLayers } from '../../src/engine/index.js';
import { ModelPackageError } from '../../src/model/errors.js';
import { loadModelPackage } from '../../src/model/package-loader.js';
import { parseSafetensors } from '../../src/model/safetensors.js';
import { assertError, buildTestApp } from '../helpers/app.js';
import { assertClose, readCaseFile, type CaseState } from '../helpers/fixtures.js';
import { encodeSafetensors, float32Bytes } from '../helpers/model-files.js';
import { listenForStreams, refusedUpgrade } from '../helpers/stream-client.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/bidirectional', import.meta.url));
const BIGRU = join(FIXTURES, 'bigru-2layer-head');
const caseFile = readCaseFile(BIGRU);
const flat = (state: CaseState): Float32Array => Float32Array.from([...state.h.flat(), ...(state.c ?? []).flat()]);

const scratch = mkdtempSync(join(tmpdir(), 'rnn-serve-bidirectional-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** A copy of the fixture with config.json edited. */
function withConfig(name: string, edit: (config: Record<string, unknown>) => void): string {
  const dir = join(scratch, name);
  cpSync(BIGRU, dir, { recursive: true });
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
  edit(config);
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  return dir;
}

async function expectRefused(dir: string, fragment: string): Promise<void> {
  await assert.rejects(loadModelPackage(dir), (error: unknown) => {
    assert.ok(error instanceof ModelPackageError, String(error));
    assert.ok(error.message.includes(fragment), `message ${JSON.stringify(error.message)} lacks ${JSON.stringify(fragment)}`);
    return true;
  });
}

describe('a PyTorch bidirectional package', () => {
  it('loads as a bidirectional spec with reverse weights', async () => {
    const loaded = await loadModelPackage(BIGRU);
    assert.equal(loaded.spec.direction, 'bidirectional');
    assert.equal(loaded.config.direction, 'bidirectional');
    assert.equal(loaded.weights.reverseLayers?.length, 2);
    assert.equal(loaded.weights.layers[1]!.weightIh.length, 3 * 4 * 8, 'layer 1 reads both directions of layer 0');
    assert.equal(loaded.weights.head!.weight.length, 2 * 8, 'the head reads both directions');
  });

  for (const [engine, factory] of [['wasm', createNetwork], ['reference', createReferenceNetwork]] as const) {
    it(`gives PyTorch's outputs and h_n on the ${engine} engine`, async () => {
      const loaded = await loadModelPackage(BIGRU);
      const network = withDirectionalLayers(factory)(loaded.spec, loaded.weights, {});
      for (const c of caseFile.cases) {
        const inputs = Float32Array.from(c.inputs!.flat());
        const result = network.runSequence(inputs, c.inputs!.length, c.state === undefined ? undefined : flat(c.state));
        assertClose(result.outputs, c.outputs.flat(), caseFile.tolerance, `${c.name} outputs`);
        assertClose(result.state, flat(c.final_state), caseFile.tolerance, `${c.name} h_n`);
      }
    });
  }

  it('refuses _reverse tensors without bidirectional: true, and a bidirectional config without them', async () => {
    const forwardOnly = withConfig('no-flag', (config) => {
      delete config.bidirectional;
      delete config.output_size;
      config.num_layers = 1;
    });
    await expectRefused(forwardOnly, "'rnn.weight_ih_l0_reverse' (config has no bidirectional: true)");
    // The file without its _reverse tensors, config still bidirectional.
    const tensors = parseSafetensors(readFileSync(join(BIGRU, 'model.safetensors')), 'bigru');
    const kept: Record<string, { dtype: string; shape: readonly number[]; bytes: Uint8Array }> = {};
    for (const [name, tensor] of tensors) {
      if (!name.endsWith('_reverse')) kept[name] = { dtype: 'F32', shape: tensor.shape, bytes: float32Bytes(Array.from(tensor.data)) };
    }
    const missing = withConfig('no-reverse', () => {});
    writeFileSync(join(missing, 'model.safetensors'), encodeSafetensors(kept));
    await expectRefused(missing, "missing tensor 'rnn.weight_ih_l0_reverse' (implied by layer 0 of num_layers 2, reverse direction (bidirectional true), shape [12, 3])");
  });

  it('names the 2 x hidden_size width when the head does not fit', async () => {
    const dir = withConfig('wrong-head', (config) => (config.output_size = 3));
    await expectRefused(dir, "tensor 'fc.weight' has shape [2, 8], config expects [3, 8] (output_size 3; 2 x hidden_size 4 (bidirectional))");
  });

  it('counts labels against the output width (2 x hidden_size without a head)', async () => {
    const dir = withConfig('no-head-labels', (config) => {
      delete config.output_size;
      config.labels = ['a'];
    });
    await expectRefused(dir, 'labels has 1 entries, expected 8 (2 x hidden_size 4, bidirectional, no head)');
  });
});

describe('a bidirectional model over HTTP', () => {
  let app: FastifyInstance;
  let base: string;
  before(async () => {
    app = await buildTestApp({ MODELS_DIR: FIXTURES });
    base = await listenForStreams(app);
  });
  after(() => app.close());

  it('says bidirectional: true in its info', async () => {
    const info = (await app.inject('/v1/models/bigru-2layer-head')).json() as Record<string, unknown>;
    assert.equal(info.status, 'ready');
    assert.equal(info.bidirectional, true);
    assert.equal(info.direction, 'bidirectional');
    assert.equal(info.output_size, 2);
  });

  it('POST predict gives PyTorch\'s outputs and final state (h_n: 2 x num_layers rows)', async () => {
    for (const c of caseFile.cases) {
      const response = await app.inject({
        method: 'POST',
        url: '/v1/models/bigru-2layer-head/predict',
        payload: { inputs: c.inputs, ...(c.state !== undefined ? { state: c.state } : {}) },
      });
      assert.equal(response.statusCode, 200, response.body);
      const body = response.json() as { outputs: number[][]; state: CaseState };
      assert.equal(body.state.h.length, 4);
      assertClose(body.outputs.flat(), c.outputs.flat(), caseFile.tolerance, `${c.name} outputs`);
      assertClose(flat(body.state), flat(c.final_state), caseFile.tolerance, `${c.name} h_n`);
    }
  });

  it('batch predict: sequences of different lengths each get their own outputs', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/models/bigru-2layer-head/predict',
      payload: { sequences: caseFile.cases.map((c) => ({ inputs: c.inputs, ...(c.state !== undefined ? { state: c.state } : {}) })) },
    });
    assert.equal(response.statusCode, 200, response.body);
    const results = (response.json() as { results: { outputs: number[][] }[] }).results;
    caseFile.cases.forEach((c, k) => assertClose(results[k]!.outputs.flat(), c.outputs.flat(), caseFile.tolerance, c.name));
  });

  it('a state with the forward-only row count is refused with 400', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/models/bigru-2layer-head/predict',
      payload: { inputs: [[1, 2, 3]], state: { h: [[0, 0, 0, 0], [0, 0, 0, 0]] } },
    });
    assertError(response, 400, 'INVALID_INPUT', 'state.h has 2 rows');
  });

  it('refuses sessions, streams and forecast with 409 WHOLE_SEQUENCE_MODEL saying why', async () => {
    assertError(
      await app.inject({ method: 'POST', url: '/v1/sessions', payload: { model: 'bigru-2layer-head' } }),
      409,
      'WHOLE_SEQUENCE_MODEL',
      "model 'bigru-2layer-head' is bidirectional: each output depends on the elements after it, so it runs whole sequences only",
    );
    const upgrade = await refusedUpgrade(`${base}/v1/models/bigru-2layer-head/stream`);
    assert.equal(upgrade.status, 409);
    assert.equal(upgrade.body.code, 'WHOLE_SEQUENCE_MODEL');
    assertError(
      await app.inject({ method: 'POST', url: '/v1/models/bigru-2layer-head/forecast', payload: { inputs: [[1, 2, 3]], horizon: 2 } }),
      409,
      'WHOLE_SEQUENCE_MODEL',
    );
    assert.equal(app.streams.size, 0);
  });
});
