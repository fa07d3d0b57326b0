// Corrupted packages, built as copies of the PyTorch fixtures with one thing broken: each must
// fail with a ModelPackageError whose message names the file, the tensor or key, and what was
// expected and found. A property test adds random corruption: load or ModelPackageError, never
// anything else (no RangeError, no hang, no crash).

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, test } from 'node:test';
import fc from 'fast-check';
import { unzipSync } from 'fflate';
import { parseModelConfig } from '../../src/model/config-schema.js';
import { ModelPackageError } from '../../src/model/errors.js';
import { parseNpz } from '../../src/model/npz.js';
import { loadModelPackage } from '../../src/model/package-loader.js';
import { parseSafetensors } from '../../src/model/safetensors.js';
import type { Tensor } from '../../src/model/tensor.js';
import { mapSeedWeights, mapTorchWeights } from '../../src/model/weight-mapping.js';
import { FIXTURES_DIR } from '../helpers/fixtures.js';
import { byteMutation, mutate } from '../helpers/byte-mutations.js';
import {
  encodeNpy,
  encodeNpz,
  float32Bytes,
  float64Bytes,
  joinSafetensors,
  readFixtureConfig,
  splitSafetensors,
  writePackage,
  type SafetensorsParts,
} from '../helpers/model-files.js';

const TANH = join(FIXTURES_DIR, 'rnn_tanh'); // rnn, input 3, hidden 8, output 2
const LSTM = join(FIXTURES_DIR, 'lstm'); // lstm, input 3, hidden 8, output 2
const SEED = join(FIXTURES_DIR, 'seed_numpy'); // seed layout, input 3, hidden 6, output 2

const tanhBytes = readFileSync(join(TANH, 'model.safetensors'));
const seedNpzBytes = readFileSync(join(SEED, 'weights.npz'));
const seedNpy = unzipSync(seedNpzBytes);

let root: string;
before(() => {
  root = mkdtempSync(join(tmpdir(), 'rnn-serve-packages-'));
});
after(() => {
  rmSync(root, { recursive: true, force: true });
});

/** Loads `dir` and checks the error is a ModelPackageError whose message contains every fragment. */
async function expectPackageError(dir: string, ...fragments: string[]): Promise<void> {
  await assert.rejects(loadModelPackage(dir), (error: unknown) => {
    assert.ok(error instanceof ModelPackageError, `expected a ModelPackageError, got ${String(error)}`);
    for (const fragment of fragments) {
      assert.ok(error.message.includes(fragment), `message ${JSON.stringify(error.message)} lacks ${JSON.stringify(fragment)}`);
    }
    return true;
  });
}

/** rnn_tanh's safetensors with its header or data changed by `mutate`. */
function mutatedTanh(mutate: (parts: SafetensorsParts) => void): Uint8Array {
  const parts = splitSafetensors(tanhBytes);
  mutate(parts);
  return joinSafetensors(parts.header, parts.data);
}

function entry(parts: SafetensorsParts, name: string): { dtype: string; shape: number[]; data_offsets: number[] } {
  return parts.header[name] as { dtype: string; shape: number[]; data_offsets: number[] };
}

function tanhPackage(name: string, weights: Uint8Array): string {
  return writePackage(root, name, TANH, { 'model.safetensors': weights });
}

function tanhConfigPackage(name: string, changes: Record<string, unknown>): string {
  return writePackage(root, name, TANH, { 'config.json': { ...readFixtureConfig(TANH), ...changes } });
}

describe('safetensors structure', () => {
  it('rejects a file shorter than the 8-byte header length', async () => {
    await expectPackageError(tanhPackage('tiny', tanhBytes.subarray(0, 5)), 'tiny/model.safetensors', 'file is 5 bytes, too short');
  });

  it('rejects a truncated file, naming the first tensor past the end', async () => {
    const dir = tanhPackage('truncated', tanhBytes.subarray(0, tanhBytes.length - 20));
    await expectPackageError(dir, 'truncated/model.safetensors', "tensor 'fc.weight'", '[416, 480]', 'past the end of the data area (468 bytes)');
  });

  it('rejects a header length past the end of the file', async () => {
    const bytes = Uint8Array.from(tanhBytes);
    new DataView(bytes.buffer).setBigUint64(0, 1_000_000n, true);
    await expectPackageError(
      tanhPackage('header-past-end', bytes),
      'header-past-end/model.safetensors',
      `header length is 1000000 bytes, but only ${tanhBytes.length - 8} bytes follow`,
    );
  });

  it('rejects an absurd header length without trying to allocate it', async () => {
    const bytes = Uint8Array.from(tanhBytes);
    new DataView(bytes.buffer).setBigUint64(0, 2n ** 63n, true);
    await expectPackageError(tanhPackage('header-absurd', bytes), 'header-absurd/model.safetensors', 'header length is 9223372036854775808 bytes');
  });

  it('rejects a header that is not JSON', async () => {
    const bytes = joinSafetensors(undefined, splitSafetensors(tanhBytes).data, '{"rnn.weight_ih_l0": {');
    await expectPackageError(tanhPackage('header-not-json', bytes), 'header-not-json/model.safetensors', 'header is not valid JSON');
  });

  it('rejects a header that is not an object', async () => {
    const bytes = joinSafetensors([1, 2], splitSafetensors(tanhBytes).data);
    await expectPackageError(tanhPackage('header-array', bytes), 'header-array/model.safetensors', 'must be a JSON object of tensors, found an array');
  });

  it('rejects an entry that is not {dtype, shape, data_offsets}', async () => {
    const bytes = mutatedTanh((parts) => {
      parts.header['rnn.weight_ih_l0'] = [0, 96];
    });
    await expectPackageError(tanhPackage('entry-array', bytes), 'entry-array/model.safetensors', "tensor 'rnn.weight_ih_l0' must be an object {dtype, shape, data_offsets}, found [0,96]");
  });

  it('rejects __metadata__ values that are not strings', async () => {
    const bytes = mutatedTanh((parts) => {
      parts.header.__metadata__ = { format: 3 };
    });
    await expectPackageError(tanhPackage('metadata', bytes), 'metadata/model.safetensors', "__metadata__ entry 'format' must be a string, found 3");
  });

  it('rejects overlapping tensors, naming both', async () => {
    const bytes = mutatedTanh((parts) => {
      entry(parts, 'rnn.weight_hh_l0').data_offsets = [92, 348];
    });
    await expectPackageError(
      tanhPackage('overlap', bytes),
      'overlap/model.safetensors',
      "tensor 'rnn.weight_hh_l0' (bytes 92..348) overlaps tensor 'rnn.weight_ih_l0' (bytes 0..96)",
    );
  });

  it('rejects offsets past the data area', async () => {
    const bytes = mutatedTanh((parts) => {
      entry(parts, 'fc.bias').data_offsets = [488, 496];
    });
    await expectPackageError(tanhPackage('out-of-range', bytes), 'out-of-range/model.safetensors', "tensor 'fc.bias'", '[488, 496], past the end of the data area (488 bytes)');
  });

  it('rejects begin after end', async () => {
    const bytes = mutatedTanh((parts) => {
      entry(parts, 'fc.bias').data_offsets = [488, 480];
    });
    await expectPackageError(tanhPackage('begin-after-end', bytes), 'begin-after-end/model.safetensors', "tensor 'fc.bias' has data_offsets [488, 480]: begin is after end");
  });

  it('rejects offsets that are not integers', async () => {
    const bytes = mutatedTanh((parts) => {
      entry(parts, 'fc.bias').data_offsets = [480.5, 488];
    });
    await expectPackageError(tanhPackage('fractional', bytes), 'fractional/model.safetensors', "tensor 'fc.bias' has data_offsets [480.5,488], expected [begin, end] non-negative integers");
  });

  it('rejects an unknown dtype, listing the supported ones', async () => {
    const bytes = mutatedTanh((parts) => {
      entry(parts, 'fc.weight').dtype = 'Q7';
    });
    await expectPackageError(tanhPackage('dtype', bytes), 'dtype/model.safetensors', "tensor 'fc.weight' has dtype 'Q7', which is not supported (supported: F32, F16, BF16, F64)");
  });

  it('rejects a byte length that disagrees with shape and dtype', async () => {
    const bytes = mutatedTanh((parts) => {
      entry(parts, 'rnn.weight_ih_l0').shape = [8, 4];
    });
    await expectPackageError(tanhPackage('byte-length', bytes), 'byte-length/model.safetensors', "tensor 'rnn.weight_ih_l0' has 96 bytes of data, expected 128 for shape [8, 4] of F32");
  });
});

describe('tensors against config.json', () => {
  it('rejects a shape that disagrees with input_size, naming the config key', async () => {
    await expectPackageError(
      tanhConfigPackage('wrong-input-size', { input_size: 4 }),
      'wrong-input-size/model.safetensors',
      "tensor 'rnn.weight_ih_l0' has shape [8, 3], config expects [8, 4] (hidden_size 8; input_size 4)",
    );
  });

  it('rejects weights of another architecture, naming the gate count', async () => {
    const dir = writePackage(root, 'lstm-as-gru', LSTM, { 'config.json': { ...readFixtureConfig(LSTM), architecture: 'gru' } });
    await expectPackageError(dir, 'lstm-as-gru/model.safetensors', "tensor 'rnn.weight_ih_l0' has shape [32, 3], config expects [24, 3] (3 gates (gru) x hidden_size 8; input_size 3)");
  });

  it('rejects a missing tensor, naming what implies it and what the file has', async () => {
    const bytes = mutatedTanh((parts) => {
      delete parts.header['rnn.bias_hh_l0'];
    });
    await expectPackageError(
      tanhPackage('missing-tensor', bytes),
      'missing-tensor/model.safetensors',
      "missing tensor 'rnn.bias_hh_l0' (implied by layer 0 of num_layers 1 with bias true, shape [8])",
      "the file has 'rnn.weight_ih_l0'",
    );
  });

  it('rejects an unexpected tensor, saying which config key excludes it', async () => {
    const parts = splitSafetensors(tanhBytes);
    parts.header['rnn.weight_ih_l1'] = { dtype: 'F32', shape: [8, 8], data_offsets: [488, 744] };
    const bytes = joinSafetensors(parts.header, Buffer.concat([parts.data, new Uint8Array(256)]));
    await expectPackageError(tanhPackage('unexpected-tensor', bytes), 'unexpected-tensor/model.safetensors', "unexpected tensor 'rnn.weight_ih_l1' (config has num_layers 1)");
  });

  it('rejects bias tensors when bias is false', async () => {
    await expectPackageError(tanhConfigPackage('bias-false', { bias: false }), 'bias-false/model.safetensors', "'rnn.bias_ih_l0' (config has bias false)", "'rnn.bias_hh_l0' (config has bias false)");
  });

  it('rejects a head bias when head_bias is false', async () => {
    await expectPackageError(tanhConfigPackage('head-bias-false', { head_bias: false }), 'head-bias-false/model.safetensors', "unexpected tensor 'fc.bias' (config has head_bias false)");
  });

  it('rejects a head when the config has no output_size', async () => {
    const config = readFixtureConfig(TANH);
    delete config.output_size;
    const dir = writePackage(root, 'no-output-size', TANH, { 'config.json': config });
    await expectPackageError(dir, 'no-output-size/model.safetensors', "'fc.weight' (config has no output_size, so no head)");
  });

  it('names the tensors the file has when tensor_prefix does not match', async () => {
    await expectPackageError(
      tanhConfigPackage('prefix', { tensor_prefix: { rnn: 'lstm' } }),
      'prefix/model.safetensors',
      "missing tensor 'lstm.weight_ih_l0'",
      "the file has 'rnn.weight_ih_l0'",
    );
  });
});

describe('package files', () => {
  it('rejects a package without config.json', async () => {
    const dir = writePackage(root, 'no-config', TANH, { 'config.json': '' });
    rmSync(join(dir, 'config.json'));
    await expectPackageError(dir, 'no-config/config.json: missing');
  });

  it('rejects a config.json that is not JSON', async () => {
    await expectPackageError(writePackage(root, 'config-not-json', TANH, { 'config.json': '{"architecture": ' }), 'config-not-json/config.json: not valid JSON');
  });

  it('rejects a package without its weight file', async () => {
    const dir = writePackage(root, 'no-weights', TANH);
    rmSync(join(dir, 'model.safetensors'));
    await expectPackageError(dir, "no-weights/model.safetensors: missing; layout 'torch' reads the weights from model.safetensors");
  });

  it('rejects a package with both weight files', async () => {
    const dir = writePackage(root, 'both-weights', TANH, { 'weights.npz': seedNpzBytes });
    await expectPackageError(dir, 'both-weights: has both model.safetensors and weights.npz');
  });
});

describe('config.json schema', () => {
  it('rejects an unknown key, naming it and the allowed keys', async () => {
    await expectPackageError(tanhConfigPackage('unknown-key', { num_layer: 2 }), 'unknown-key/config.json', "unknown key 'num_layer' (allowed: architecture, input_size, hidden_size, num_layers,");
  });

  it('rejects a value of the wrong type, naming the key and the value', async () => {
    await expectPackageError(tanhConfigPackage('wrong-type', { hidden_size: '8' }), 'wrong-type/config.json', 'hidden_size must be an integer, found "8"');
  });

  it('rejects labels whose length is not output_size', async () => {
    await expectPackageError(tanhConfigPackage('labels', { labels: ['up'] }), 'labels/config.json', 'labels has 1 entries, expected 2 (output_size 2)');
  });
});

describe('weights.npz', () => {
  const wxh = parseNpz(seedNpzBytes, 'seed').get('Wxh') as Tensor; // 6 x 3

  /** The fixture's npz with Wxh.npy replaced (or other entries added / removed). */
  function seedPackage(name: string, replace: Record<string, Uint8Array | undefined>): string {
    const entries: Record<string, Uint8Array> = {};
    for (const [file, bytes] of Object.entries(seedNpy)) entries[file.replace(/\.npy$/, '')] = bytes;
    for (const [key, bytes] of Object.entries(replace)) {
      if (bytes === undefined) delete entries[key];
      else entries[key] = bytes;
    }
    return writePackage(root, name, SEED, { 'weights.npz': encodeNpz(entries) });
  }

  function wxhBytes(littleEndian: boolean): Uint8Array {
    const bytes = new Uint8Array(wxh.data.length * 8);
    const view = new DataView(bytes.buffer);
    wxh.data.forEach((value, i) => view.setFloat64(i * 8, value, littleEndian));
    return bytes;
  }

  it('loads np.savez_compressed archives like np.savez ones', async () => {
    const entries: Record<string, Uint8Array> = {};
    for (const [file, bytes] of Object.entries(seedNpy)) entries[file.replace(/\.npy$/, '')] = bytes;
    const dir = writePackage(root, 'compressed', SEED, { 'weights.npz': encodeNpz(entries, 6) });
    const [compressed, stored] = await Promise.all([loadModelPackage(dir), loadModelPackage(SEED)]);
    assert.deepEqual(compressed.weights, stored.weights);
  });

  it('rejects big-endian arrays', async () => {
    const dir = seedPackage('npz-big-endian', { Wxh: encodeNpy([6, 3], wxhBytes(false), { descr: '>f8' }) });
    await expectPackageError(dir, 'npz-big-endian/weights.npz: Wxh.npy', "dtype '>f8' is big-endian; expected little-endian '<f4' or '<f8'");
  });

  it('rejects Fortran-order arrays', async () => {
    const dir = seedPackage('npz-fortran', { Wxh: encodeNpy([6, 3], wxhBytes(true), { fortranOrder: true }) });
    await expectPackageError(dir, 'npz-fortran/weights.npz: Wxh.npy', 'Fortran (column-major) order; expected C order');
  });

  it('rejects an unsupported dtype', async () => {
    const dir = seedPackage('npz-int', { Wxh: encodeNpy([6, 3], new Uint8Array(144), { descr: '<i8' }) });
    await expectPackageError(dir, 'npz-int/weights.npz: Wxh.npy', "dtype '<i8' is not supported; expected '<f4' or '<f8'");
  });

  it('rejects object arrays', async () => {
    const dir = seedPackage('npz-object', { Wxh: encodeNpy([6, 3], new Uint8Array(144), { descr: '|O' }) });
    await expectPackageError(dir, 'npz-object/weights.npz: Wxh.npy', "dtype '|O' is an object array");
  });

  it('rejects a truncated array', async () => {
    const dir = seedPackage('npz-truncated-array', { Wxh: encodeNpy([6, 3], wxhBytes(true).subarray(0, 100)) });
    await expectPackageError(dir, 'npz-truncated-array/weights.npz: Wxh.npy', "shape [6, 3] and dtype '<f8' needs 144 bytes of data, found 100 (truncated)");
  });

  it('rejects a truncated archive', async () => {
    const dir = writePackage(root, 'npz-truncated-zip', SEED, { 'weights.npz': seedNpzBytes.subarray(0, 700) });
    await expectPackageError(dir, 'npz-truncated-zip/weights.npz: not a readable zip archive');
  });

  it('rejects bytes that are not a zip archive', async () => {
    const dir = writePackage(root, 'npz-not-zip', SEED, { 'weights.npz': 'these are not the weights you are looking for' });
    await expectPackageError(dir, 'npz-not-zip/weights.npz: not a readable zip archive');
  });

  it('rejects a seed array of the wrong shape', async () => {
    const dir = seedPackage('npz-bias-shape', { bh: encodeNpy([6], float64Bytes([0, 0, 0, 0, 0, 0])) });
    await expectPackageError(dir, 'npz-bias-shape/weights.npz', "tensor 'bh' has shape [6], config expects [6, 1] (hidden_size 6 column vector)");
  });

  it('rejects a missing seed array', async () => {
    await expectPackageError(seedPackage('npz-missing', { by: undefined }), 'npz-missing/weights.npz', "missing tensor 'by' (implied by layout seed, shape [2, 1])");
  });

  it('rejects an extra array', async () => {
    const dir = seedPackage('npz-extra', { extra: encodeNpy([1], float32Bytes([1]), { descr: '<f4' }) });
    await expectPackageError(dir, 'npz-extra/weights.npz', "unexpected tensor 'extra' (layout seed holds exactly Wxh, Whh, Why, bh, by)");
  });
});

/** Outcome of reading bytes: loaded, or a ModelPackageError; anything else fails the property. */
function loadsOrPackageError(read: () => unknown): boolean {
  try {
    read();
    return true;
  } catch (error) {
    if (error instanceof ModelPackageError) return true;
    throw error;
  }
}

test('randomly corrupted safetensors files load or throw ModelPackageError, nothing else', () => {
  const config = parseModelConfig(readFixtureConfig(TANH), 'rnn_tanh/config.json');
  fc.assert(
    fc.property(fc.array(byteMutation, { minLength: 1, maxLength: 4 }), (mutations) =>
      loadsOrPackageError(() => mapTorchWeights(parseSafetensors(mutate(tanhBytes, mutations), 'fuzz'), config, 'fuzz')),
    ),
    { numRuns: 500 },
  );
});

test('randomly corrupted npz archives load or throw ModelPackageError, nothing else', () => {
  const config = parseModelConfig(readFixtureConfig(SEED), 'seed_numpy/config.json');
  fc.assert(
    fc.property(fc.array(byteMutation, { minLength: 1, maxLength: 4 }), (mutations) =>
      loadsOrPackageError(() => mapSeedWeights(parseNpz(mutate(seedNpzBytes, mutations), 'fuzz'), config, 'fuzz')),
    ),
    { numRuns: 300 },
  );
});

test('arbitrary JSON as config.json parses or throws ModelPackageError, nothing else', () => {
  const keys = fc.constantFrom('architecture', 'input_size', 'hidden_size', 'num_layers', 'output_size', 'layout', 'vocab', 'labels', 'normalization', 'tensor_prefix');
  const configLike = fc.dictionary(keys, fc.jsonValue(), { maxKeys: 10 });
  fc.assert(
    fc.property(fc.oneof(fc.jsonValue(), configLike), (json) => loadsOrPackageError(() => parseModelConfig(json, 'fuzz/config.json'))),
    { numRuns: 500 },
  );
});
