// gRPC (inference.GRPCInferenceService) driven by a client generated at test time from Triton's
// OFFICIAL grpc_service.proto (../shared/oip): health and metadata, ModelInfer with raw and typed
// contents, whole sequences (start, steps, end) over ModelInfer and over ModelStreamInfer giving
// PyTorch's outputs, in-band stream errors, UNIMPLEMENTED, API keys, message limits, metrics and
// the drain on shutdown. Runs when ../shared exists.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Metadata, status } from '@grpc/grpc-js';
import type { PackageCase } from '../helpers/fixtures.js';
import { assertClose } from '../helpers/fixtures.js';
import { caseSlice, caseTensors, type JsonTensor, BUNDLED_CASES, INPUT_SIZES, servedModelsDir } from '../helpers/oip.js';
import { float32s, grpcApp, officialClient, param } from '../helpers/oip-grpc.js';
import { hasOfficialProtos } from '../helpers/oip-protos.js';
import { metricValue } from '../helpers/metric-samples.js';

const MODELS_DIR = servedModelsDir();
const packages = BUNDLED_CASES;

/** A tensor's elements as little-endian bytes of its datatype. */
function bytesOf(tensor: JsonTensor): Buffer {
  const values = tensor.data!.flat(3) as (number | string)[];
  if (tensor.datatype === 'INT64') {
    const out = Buffer.alloc(values.length * 8);
    values.forEach((v, i) => out.writeBigInt64LE(BigInt(v), i * 8));
    return out;
  }
  if (tensor.datatype === 'BYTES') {
    return Buffer.concat(values.map((v) => {
      const text = Buffer.from(String(v));
      const length = Buffer.alloc(4);
      length.writeUInt32LE(text.length);
      return Buffer.concat([length, text]);
    }));
  }
  return Buffer.from(new Float32Array(values as number[]).buffer);
}

/** A ModelInferRequest of the official proto with raw_input_contents. */
function rawRequest(model: string, tensors: JsonTensor[], parameters: Record<string, object> = {}, id = '') {
  return {
    model_name: model,
    id,
    parameters,
    inputs: tensors.map(({ name, datatype, shape }) => ({ name, datatype, shape })),
    raw_input_contents: tensors.map(bytesOf),
  };
}

interface InferResponseMessage {
  model_name: string;
  model_version: string;
  id: string;
  outputs: { name: string; datatype: string; shape: string[] }[];
  raw_output_contents: Buffer[];
}

function outputsOf(response: Record<string, unknown>): Map<string, number[]> {
  const message = response as unknown as InferResponseMessage;
  assert.equal(message.raw_output_contents.length, message.outputs.length);
  return new Map(message.outputs.map((output, i) => [output.name, float32s(message.raw_output_contents[i]!)]));
}

/** The case split in three requests: [start..., middle, ...end]. */
function chunks(c: PackageCase): [number, number][] {
  const T = c.outputs.length;
  const a = Math.max(1, Math.floor(T / 3));
  const b = Math.max(a + 1, Math.floor((2 * T) / 3));
  return [[0, a], [a, b], [b, T]];
}

function sequenceRequests(name: string, c: PackageCase, id: object) {
  const I = INPUT_SIZES[name]!;
  return chunks(c).map(([from, to], k) => {
    const tensors = [caseSlice(c, I, from, to)];
    // The case's start state goes with the start.
    if (k === 0) tensors.push(...caseTensors(c, I).filter((tensor) => tensor.name.startsWith('state_')));
    const flags: Record<string, object> = { sequence_id: id };
    if (k === 0) flags.sequence_start = param.bool(true);
    if (k === 2) flags.sequence_end = param.bool(true);
    return rawRequest(name, tensors, flags, `${name}-${k}`);
  });
}

function checkSequence(name: string, c: PackageCase, responses: Record<string, unknown>[], tolerance: { abs: number; rel: number }) {
  const outputs = responses.flatMap((response) => outputsOf(response).get('output')!);
  assertClose(outputs, c.outputs.flat(), tolerance, `${name} ${c.name} outputs`);
  const last = outputsOf(responses[responses.length - 1]!);
  assertClose(last.get('state_h')!, c.final_state.h.flat(), tolerance, `${name} ${c.name} h`);
  if (c.final_state.c !== undefined) assertClose(last.get('state_c')!, c.final_state.c.flat(), tolerance, `${name} ${c.name} c`);
}

describe('gRPC with a client of the official proto', () => {
  it('health, server metadata and model metadata', async (t) => {
    const { address } = await grpcApp(t, { MODELS_DIR });
    const client = officialClient(address, t);
    assert.deepEqual(await client.call('ServerLive'), { live: true });
    assert.deepEqual(await client.call('ServerReady'), { ready: true });
    const server = await client.call('ServerMetadata');
    assert.equal(server.name, 'rnn-serve');
    assert.ok((server.extensions as string[]).includes('sequence(string_id)'));
    assert.deepEqual(await client.call('ModelReady', { name: 'co2-lstm', version: '1' }), { ready: true });
    const metadata = await client.call('ModelMetadata', { name: 'co2-lstm' });
    assert.deepEqual(metadata.versions, ['1']);
    assert.deepEqual((metadata.inputs as { name: string; shape: string[] }[]).map((input) => [input.name, input.shape]), [
      ['input', ['-1', '-1', '1']],
      ['state_h', ['-1', '1', '32']],
      ['state_c', ['-1', '1', '32']],
    ]);
    await assert.rejects(client.call('ModelMetadata', { name: 'nope' }), { code: status.NOT_FOUND, details: "model 'nope' is not loaded" });
    await assert.rejects(client.call('ModelReady', { name: 'co2-lstm', version: '9' }), { code: status.NOT_FOUND });
    if (hasOfficialProtos()) {
      // RPCs of Triton's proto that this server does not serve: only a client of that proto has them.
      await assert.rejects(client.call('SystemSharedMemoryStatus', {}), { code: status.UNIMPLEMENTED });
      await assert.rejects(client.call('ModelConfig', { name: 'co2-lstm' }), { code: status.UNIMPLEMENTED });
    }
  });

  it('ModelInfer: raw_input_contents and typed contents give the same, PyTorch\'s numbers', async (t) => {
    const { address } = await grpcApp(t, { MODELS_DIR });
    const client = officialClient(address, t);
    for (const { name, caseFile } of packages) {
      const c = caseFile.cases[1]!;
      const tensors = caseTensors(c, INPUT_SIZES[name]!);
      const raw = outputsOf(await client.call('ModelInfer', rawRequest(name, tensors)));
      assertClose(raw.get('output')!, c.outputs.flat(), caseFile.tolerance, `${name} output`);
      assertClose(raw.get('state_h')!, c.final_state.h.flat(), caseFile.tolerance, `${name} state_h`);
      const contents = (tensor: JsonTensor) =>
        tensor.datatype === 'FP32'
          ? { fp32_contents: tensor.data!.flat(3) }
          : tensor.datatype === 'INT64'
            ? { int64_contents: (tensor.data as number[]).map(String) }
            : { bytes_contents: (tensor.data as string[]).map((text) => Buffer.from(text)) };
      const typed = await client.call('ModelInfer', {
        model_name: name,
        inputs: tensors.map((tensor) => ({ name: tensor.name, datatype: tensor.datatype, shape: tensor.shape, contents: contents(tensor) })),
        outputs: [{ name: 'output' }],
      });
      assert.deepEqual((typed.outputs as { name: string }[]).map((output) => output.name), ['output']);
      assert.deepEqual(outputsOf(typed).get('output'), raw.get('output'), `${name}: typed = raw`);
    }
    await assert.rejects(
      client.call('ModelInfer', { model_name: 'co2-lstm', inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 2, 2] }], raw_input_contents: [Buffer.alloc(16)] }),
      { code: status.INVALID_ARGUMENT, details: /its last dimension is 2, model 'co2-lstm' expects input_size 1/ },
    );
  });

  it('ModelInfer through whole sequences (uint64 ids): start, a step, end equal PyTorch', async (t) => {
    const { app, address } = await grpcApp(t, { MODELS_DIR });
    const client = officialClient(address, t);
    let id = 9_007_199_254_740_000; // near 2^53: ids keep every digit
    for (const { name, caseFile } of packages) {
      for (const c of caseFile.cases) {
        const sequenceId = param.uint64(String(BigInt(id++) * 1000n)); // beyond 2^53
        const responses = [];
        for (const request of sequenceRequests(name, c, sequenceId)) responses.push(await client.call('ModelInfer', request));
        checkSequence(name, c, responses, caseFile.tolerance);
        await assert.rejects(app.inference.getSession(sequenceId.uint64_param), { code: 'SESSION_NOT_FOUND' }, 'the end deleted the session');
      }
    }
    const text = (await app.inject({ url: '/metrics' })).body;
    assert.ok(metricValue(text, 'rnn_steps_total', '{model="co2-lstm",transport="grpc"}') > 0);
    assert.ok(metricValue(text, 'grpc_request_duration_seconds_count', '{method="ModelInfer",code="OK"}') > 0);
  });

  it('ModelStreamInfer: sequences in order, one response each, errors in-band with the stream kept open', async (t) => {
    const { address } = await grpcApp(t, { MODELS_DIR });
    const client = officialClient(address, t);
    const stream = client.stream();
    const responses: Record<string, unknown>[] = [];
    const ended = new Promise<void>((resolve, reject) => {
      stream.on('data', (message: Record<string, unknown>) => responses.push(message));
      stream.on('end', resolve);
      stream.on('error', reject);
    });
    // Two sequences interleaved (string ids), with a refused request between them.
    const lstm = packages.find((p) => p.name === 'co2-lstm')!;
    const gru = packages.find((p) => p.name === 'kjv-char-gru')!;
    const a = sequenceRequests('co2-lstm', lstm.caseFile.cases[1]!, param.string('stream-a'));
    const b = sequenceRequests('kjv-char-gru', gru.caseFile.cases[0]!, param.string('stream-b'));
    const bad = rawRequest('co2-lstm', [{ name: 'input', datatype: 'FP32', shape: [1, 1, 1], data: [1] }], { sequence_id: param.string('never-started') }, 'bad');
    const sent = [a[0], b[0], bad, a[1], b[1], a[2], b[2]];
    for (const request of sent) stream.write(request);
    stream.end();
    await ended;
    assert.equal(responses.length, sent.length, 'one response per request');
    assert.deepEqual(responses.map((r) => (r.infer_response as { id: string }).id), sent.map((r) => r!.id), 'in request order');
    assert.match(String(responses[2]!.error_message), /inference request for sequence never-started to model 'co2-lstm' must specify the START flag/);
    const ok = responses.filter((_, i) => i !== 2);
    for (const r of ok) assert.equal(r.error_message, '');
    checkSequence('co2-lstm', lstm.caseFile.cases[1]!, [ok[0]!, ok[2]!, ok[4]!].map((r) => r.infer_response as Record<string, unknown>), lstm.caseFile.tolerance);
    checkSequence('kjv-char-gru', gru.caseFile.cases[0]!, [ok[1]!, ok[3]!, ok[5]!].map((r) => r.infer_response as Record<string, unknown>), gru.caseFile.tolerance);
  });

  it('API keys as authorization metadata; health stays open', async (t) => {
    const { address } = await grpcApp(t, { MODELS_DIR, API_KEYS: 'grpc-key' });
    const client = officialClient(address, t);
    const request = rawRequest('co2-lstm', [{ name: 'input', datatype: 'FP32', shape: [1, 1], data: [1] }]);
    await assert.rejects(client.call('ModelInfer', request), { code: status.UNAUTHENTICATED, details: /needs an API key/ });
    const wrong = new Metadata();
    wrong.set('authorization', 'Bearer nope');
    await assert.rejects(client.call('ModelMetadata', { name: 'co2-lstm' }, wrong), { code: status.UNAUTHENTICATED, details: 'the API key is not valid' });
    const right = new Metadata();
    right.set('authorization', 'Bearer grpc-key');
    assert.equal((await client.call('ModelInfer', request, right)).model_name, 'co2-lstm');
    assert.deepEqual(await client.call('ServerReady'), { ready: true });
    const stream = client.stream();
    const refused = await new Promise<{ code?: number }>((resolve) => stream.on('error', resolve));
    assert.equal(refused.code, status.UNAUTHENTICATED);
  });

  it('messages over BODY_LIMIT_BYTES are refused with RESOURCE_EXHAUSTED', async (t) => {
    const { address } = await grpcApp(t, { MODELS_DIR, BODY_LIMIT_BYTES: '4096' });
    const client = officialClient(address, t);
    const values = Array.from({ length: 2000 }, (_, i) => i);
    await assert.rejects(client.call('ModelInfer', rawRequest('co2-lstm', [{ name: 'input', datatype: 'FP32', shape: [2000, 1], data: values }])), {
      code: status.RESOURCE_EXHAUSTED,
    });
    const small = await client.call('ModelInfer', rawRequest('co2-lstm', [{ name: 'input', datatype: 'FP32', shape: [10, 1], data: values.slice(0, 10) }]));
    assert.equal(small.model_name, 'co2-lstm');
  });

  it('shutdown drains: open streams answer what they read, then end UNAVAILABLE; new calls are refused', async (t) => {
    const { app, address } = await grpcApp(t, { MODELS_DIR });
    const client = officialClient(address, t);
    const stream = client.stream();
    const responses: Record<string, unknown>[] = [];
    stream.on('data', (message: Record<string, unknown>) => responses.push(message));
    const closedWith = new Promise<{ code?: number }>((resolve) => stream.on('error', resolve));
    stream.write(rawRequest('co2-lstm', [{ name: 'input', datatype: 'FP32', shape: [3, 1], data: [1, 2, 3] }], {}, 'before'));
    await new Promise<void>((resolve) => stream.once('data', () => resolve()));
    const closing = app.close();
    assert.equal((await closedWith).code, status.UNAVAILABLE);
    await closing;
    assert.equal(responses.length, 1);
    await assert.rejects(client.call('ServerLive'), { code: status.UNAVAILABLE });
  });
});
