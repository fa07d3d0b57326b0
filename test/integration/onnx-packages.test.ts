// ONNX model packages (test/fixtures/onnx, written by training/onnx_fixtures.py) through the real
// loader and over HTTP: graphs from torch.onnx.export at opset 14 and 17 (expected values from
// the PyTorch module), tf2onnx-shaped Keras graphs (expected values from a numpy transcription
// of the ONNX operators), and the bundled models exported to ONNX (their own cases.json).
// Forward models also run as sessions and streams; bidirectional and reverse ones run whole
// sequences only and refuse the rest.
import assert from 'node:assert/strict';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import {
  createNetwork,
  createReferenceNetwork,
  requiredEngineFeatures,
  validateNetwork,
  withDirectionalLayers,
  type NetworkFactory,
} from '../../src/engine/index.js';
import type { RecurrentNetwork } from '../../src/engine/types.js';
import { loadModelPackage, type LoadedPackage } from '../../src/model/package-loader.js';
import { resolveNormalization } from '../../src/model/normalization.js';
import { assertError, buildTestApp } from '../helpers/app.js';
import { assertClose, caseInputs, listPackageDirs, readCaseFile, type CaseState, type PackageCase } from '../helpers/fixtures.js';
import { StreamClient, listenForStreams, refusedUpgrade } from '../helpers/stream-client.js';

const ONNX_DIR = fileURLToPath(new URL('../fixtures/onnx', import.meta.url));
const fixtures = listPackageDirs(ONNX_DIR).map((dir) => ({ dir, name: basename(dir), caseFile: readCaseFile(dir) }));

function flat(state: CaseState): Float32Array {
  return Float32Array.from([...state.h.flat(), ...(state.c ?? []).flat()]);
}

function sequenceOf(c: PackageCase): Record<string, unknown> {
  return c.tokens !== undefined ? { tokens: c.tokens } : { inputs: c.inputs };
}

/** The expected outputs of each case, checked on a network built by `factory`. */
function checkCases(loaded: LoadedPackage, factory: NetworkFactory, caseFile: ReturnType<typeof readCaseFile>): void {
  const network: RecurrentNetwork = factory(loaded.spec, loaded.weights, {});
  const normalization = resolveNormalization(loaded.config);
  for (const c of caseFile.cases) {
    const { steps, inputs } = caseInputs(network, normalization, c);
    const result = network.runSequence(inputs, steps, c.state === undefined ? undefined : flat(c.state));
    const outputs = result.outputs.slice();
    if (normalization?.output !== undefined) {
      for (let k = 0; k < outputs.length; k++) {
        const j = k % normalization.output.width;
        outputs[k] = outputs[k]! * normalization.output.std[j]! + normalization.output.mean[j]!;
      }
    }
    assertClose(outputs, c.outputs.flat(), caseFile.tolerance, `${c.name} outputs`);
    assertClose(result.state, flat(c.final_state), caseFile.tolerance, `${c.name} final state`);
  }
}

describe('ONNX packages through the loader', () => {
  it('finds the fixtures: torch.onnx.export at opset 14 and 17, Keras-shaped graphs, the bundled models', () => {
    const names = fixtures.map((f) => f.name);
    for (const expected of ['lstm-2layer-batchfirst-head-opset14', 'lstm-2layer-batchfirst-head-opset17', 'gru-softmax-opset17',
      'rnn-relu-2layer-opset14', 'embedding-gru-opset17', 'bilstm-tagger-opset14', 'keras-lstm', 'keras-gru-reset-before',
      'keras-gru-reset-after', 'bundled-co2-lstm', 'bundled-kjv-char-gru', 'bundled-min-char-rnn']) {
      assert.ok(names.includes(expected), `fixture ${expected} is missing`);
    }
  });

  for (const { dir, name, caseFile } of fixtures) {
    it(`${name}: the WebAssembly engine gives the reference outputs`, async () => {
      checkCases(await loadModelPackage(dir), withDirectionalLayers(createNetwork), caseFile);
    });
    it(`${name}: so does the reference engine`, async () => {
      checkCases(await loadModelPackage(dir), withDirectionalLayers(createReferenceNetwork), caseFile);
    });
  }

  it('reads what each graph says: sizes, direction, head, activation, cell', async () => {
    const spec = async (name: string) => (await loadModelPackage(`${ONNX_DIR}/${name}`)).spec;
    assert.deepEqual(await spec('lstm-2layer-batchfirst-head-opset17'), {
      architecture: 'lstm', inputSize: 3, hiddenSize: 5, numLayers: 2, nonlinearity: 'tanh', outputSize: 2, hasHead: true,
      outputActivation: 'identity',
    });
    assert.deepEqual(await spec('rnn-relu-2layer-opset14'), {
      architecture: 'rnn', inputSize: 3, hiddenSize: 4, numLayers: 2, nonlinearity: 'relu', outputSize: 4, hasHead: false,
      outputActivation: 'identity',
    });
    assert.deepEqual(await spec('bilstm-tagger-opset17'), {
      architecture: 'lstm', inputSize: 4, hiddenSize: 5, numLayers: 2, nonlinearity: 'tanh', outputSize: 3, hasHead: true,
      outputActivation: 'softmax', vocabSize: 9, direction: 'bidirectional',
    });
    assert.equal((await spec('keras-gru-reset-before')).gruResetBeforeProduct, true);
    assert.equal((await spec('keras-gru-reset-after')).gruResetBeforeProduct, undefined);
    assert.equal((await spec('keras-rnn-reverse')).direction, 'reverse');
    assert.equal((await spec('keras-lstm-layout1-sigmoid')).outputActivation, 'sigmoid');
  });

  it('the GRU with the reset before the product is a different cell: PyTorch\'s cell misses its cases', async () => {
    const dir = `${ONNX_DIR}/keras-gru-reset-before`;
    const loaded = await loadModelPackage(dir);
    const caseFile = readCaseFile(dir);
    const asTorchCell = { ...loaded, spec: { ...loaded.spec, gruResetBeforeProduct: false } };
    assert.throws(() => checkCases(asTorchCell, createNetwork, caseFile), /outputs|final state/);
  });

  it('an engine without the reset-before GRU refuses it when the network is built, also inside a bidirectional model', async () => {
    // What an engine that has only the base cells does: validateNetwork with no features.
    const baseCellsOnly: NetworkFactory = (spec, weights) => {
      validateNetwork(spec, weights);
      return createReferenceNetwork(spec, weights);
    };
    for (const name of ['keras-gru-reset-before', 'keras-gru-reset-before-bidirectional-gemm']) {
      const loaded = await loadModelPackage(`${ONNX_DIR}/${name}`);
      assert.equal(requiredEngineFeatures(loaded.spec).gruResetBeforeProduct, true);
      assert.throws(
        () => withDirectionalLayers(baseCellsOnly)(loaded.spec, loaded.weights, {}),
        /no GRU cell with the reset gate before the recurrent product \(ONNX linear_before_reset=0/,
      );
    }
  });
});

describe('ONNX packages over HTTP', () => {
  let app: FastifyInstance;
  let base: string;
  before(async () => {
    app = await buildTestApp({ MODELS_DIR: ONNX_DIR });
    base = await listenForStreams(app);
  });
  after(() => app.close());

  it('lists every ONNX package as ready; bidirectional ones say so', async () => {
    const response = await app.inject({ method: 'GET', url: '/v1/models' });
    assert.equal(response.statusCode, 200);
    const models = (response.json() as { models: { name: string; status: string; error?: string; bidirectional?: boolean; direction?: string }[] }).models;
    for (const model of models) assert.equal(model.status, 'ready', `${model.name}: ${model.error}`);
    assert.deepEqual(models.map((m) => m.name), fixtures.map((f) => f.name));
    const tagger = models.find((m) => m.name === 'bilstm-tagger-opset17')!;
    assert.equal(tagger.bidirectional, true);
    assert.equal(tagger.direction, 'bidirectional');
    assert.equal(models.find((m) => m.name === 'keras-rnn-reverse')!.direction, 'reverse');
    assert.equal(models.find((m) => m.name === 'keras-lstm')!.bidirectional, undefined);
  });

  it('serves the sidecar config.json: labels, vocab, description', async () => {
    const info = (await app.inject('/v1/models/bilstm-tagger-opset14')).json() as Record<string, unknown>;
    assert.deepEqual(info.labels, ['DET', 'NOUN', 'VERB']);
    assert.equal((info.vocab as string[]).length, 9);
    assert.equal(info.description, 'bidirectional LSTM tagger');
    assert.equal(info.num_layers, 2);
  });

  for (const { name, caseFile } of fixtures) {
    it(`${name}: POST predict gives the reference outputs and final state`, async () => {
      for (const c of caseFile.cases) {
        const response = await app.inject({
          method: 'POST',
          url: `/v1/models/${name}/predict`,
          payload: { ...sequenceOf(c), ...(c.state !== undefined ? { state: c.state } : {}) },
        });
        assert.equal(response.statusCode, 200, response.body);
        const body = response.json() as { outputs: number[][]; state: CaseState };
        assertClose(body.outputs.flat(), c.outputs.flat(), caseFile.tolerance, `${c.name} outputs`);
        assertClose(flat(body.state), flat(c.final_state), caseFile.tolerance, `${c.name} final state`);
      }
    });

    it(`${name}: a batch predict gives each sequence its own outputs`, async () => {
      const response = await app.inject({
        method: 'POST',
        url: `/v1/models/${name}/predict`,
        payload: { sequences: caseFile.cases.map((c) => ({ ...sequenceOf(c), ...(c.state !== undefined ? { state: c.state } : {}) })) },
      });
      assert.equal(response.statusCode, 200, response.body);
      const results = (response.json() as { results: { outputs: number[][] }[] }).results;
      caseFile.cases.forEach((c, k) => assertClose(results[k]!.outputs.flat(), c.outputs.flat(), caseFile.tolerance, `${c.name} outputs`));
    });
  }

  const forward = fixtures.filter(({ name }) => !name.startsWith('bilstm') && !name.includes('bidirectional') && !name.includes('reverse'));
  const wholeSequence = fixtures.filter((f) => !forward.includes(f));

  for (const { name, caseFile } of forward) {
    it(`${name}: a session fed in two requests gives the same outputs`, async () => {
      for (const c of caseFile.cases) {
        const created = await app.inject({
          method: 'POST',
          url: '/v1/sessions',
          payload: { model: name, ...(c.state !== undefined ? { state: c.state } : {}) },
        });
        assert.equal(created.statusCode, 201, created.body);
        const id = (created.json() as { session_id: string }).session_id;
        const sequence = c.tokens ?? c.inputs!;
        const cut = Math.ceil(sequence.length / 2);
        const outputs: number[][] = [];
        for (const part of [sequence.slice(0, cut), sequence.slice(cut)]) {
          if (part.length === 0) continue;
          const payload = c.tokens !== undefined ? { tokens: part } : { inputs: part };
          const stepped = await app.inject({ method: 'POST', url: `/v1/sessions/${id}/steps`, payload });
          assert.equal(stepped.statusCode, 200, stepped.body);
          outputs.push(...(stepped.json() as { outputs: number[][] }).outputs);
        }
        assertClose(outputs.flat(), c.outputs.flat(), caseFile.tolerance, `${c.name} session outputs`);
        const state = (await app.inject(`/v1/sessions/${id}`)).json() as { state: CaseState };
        assertClose(flat(state.state), flat(c.final_state), caseFile.tolerance, `${c.name} session state`);
        await app.inject({ method: 'DELETE', url: `/v1/sessions/${id}` });
      }
    });

    it(`${name}: a stream fed one element per message gives the same outputs`, async () => {
      const c = caseFile.cases.find((k) => k.state === undefined)!;
      const stream = await StreamClient.open(`${base}/v1/models/${name}/stream`);
      assert.equal((await stream.json()).type, 'ready');
      const sequence: readonly unknown[] = c.tokens ?? c.inputs!;
      const outputs: number[] = [];
      for (const element of sequence) {
        stream.sendJson(c.tokens !== undefined ? { tokens: [element] } : { x: element });
        const reply = await stream.json();
        outputs.push(...(c.tokens !== undefined ? (reply.outputs as number[][]).flat() : (reply.y as number[])));
      }
      assertClose(outputs, c.outputs.flat(), caseFile.tolerance, `${c.name} stream outputs`);
      await stream.close();
    });
  }

  for (const { name } of wholeSequence) {
    it(`${name}: sessions, streams, generate and forecast are refused with 409 WHOLE_SEQUENCE_MODEL`, async () => {
      const session = await app.inject({ method: 'POST', url: '/v1/sessions', payload: { model: name } });
      assertError(session, 409, 'WHOLE_SEQUENCE_MODEL', 'runs whole sequences only');
      const upgrade = await refusedUpgrade(`${base}/v1/models/${name}/stream`);
      assert.equal(upgrade.status, 409);
      assert.equal(upgrade.body.code, 'WHOLE_SEQUENCE_MODEL');
      if (!name.startsWith('bilstm')) {
        const forecast = await app.inject({ method: 'POST', url: `/v1/models/${name}/forecast`, payload: { inputs: [[0, 0, 0]], horizon: 2 } });
        assertError(forecast, 409, 'WHOLE_SEQUENCE_MODEL', 'generate or forecast needs a model that runs step by step');
      }
    });
  }

  it('forecast on an ONNX model feeds each prediction back, as session steps do', async () => {
    const history = [[316.1], [317.3], [317.6]];
    const forecast = await app.inject({ method: 'POST', url: '/v1/models/bundled-co2-lstm/forecast', payload: { inputs: history, horizon: 3 } });
    assert.equal(forecast.statusCode, 200, forecast.body);
    const predicted = (forecast.json() as { outputs: number[][] }).outputs;
    const created = await app.inject({ method: 'POST', url: '/v1/sessions', payload: { model: 'bundled-co2-lstm' } });
    const id = (created.json() as { session_id: string }).session_id;
    let next = history;
    const stepped: number[][] = [];
    for (let k = 0; k < 3; k++) {
      const outputs = ((await app.inject({ method: 'POST', url: `/v1/sessions/${id}/steps`, payload: { inputs: next } })).json() as { outputs: number[][] }).outputs;
      stepped.push(outputs[outputs.length - 1]!);
      next = [outputs[outputs.length - 1]!];
    }
    assertClose(predicted.flat(), stepped.flat(), { abs: 1e-4, rel: 1e-5 }, 'forecast');
  });

  it('generate on an ONNX token model: the same seed gives the same tokens, from its vocabulary', async () => {
    const request = { method: 'POST' as const, url: '/v1/models/embedding-gru-opset17/generate', payload: { text: 'abc', max_tokens: 5, seed: 7 } };
    const first = await app.inject(request);
    assert.equal(first.statusCode, 200, first.body);
    const body = first.json() as { tokens: number[]; text: string };
    assert.equal(body.tokens.length, 5);
    assert.match(body.text, /^[a-g]{5}$/);
    assert.deepEqual((await app.inject(request)).json(), first.json());
  });

  it('generate on the bidirectional token model is refused with 409 WHOLE_SEQUENCE_MODEL, saying why', async () => {
    const response = await app.inject({ method: 'POST', url: '/v1/models/bilstm-tagger-opset17/generate', payload: { tokens: ['the', 'cat'], max_tokens: 2 } });
    assertError(response, 409, 'WHOLE_SEQUENCE_MODEL', 'each output depends on the elements after it');
  });
});
