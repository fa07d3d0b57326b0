// RNN_ENGINE and RNN_ENGINE_ISA: defaults, accepted values, and a clear error for anything else.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, engineConfigFromEnv, loadConfig } from '../../src/config.js';

test('RNN_ENGINE and RNN_ENGINE_ISA default to auto', () => {
  const config = loadConfig({});
  assert.equal(config.engine, 'auto');
  assert.equal(config.engineIsa, 'auto');
});

test('every engine and ISA name is accepted, surrounding blanks ignored', () => {
  for (const engine of ['auto', 'native', 'wasm'] as const) assert.equal(engineConfigFromEnv({ RNN_ENGINE: ` ${engine} ` }).engine, engine);
  for (const isa of ['auto', 'avx512', 'avx2', 'neon', 'baseline'] as const) {
    assert.equal(engineConfigFromEnv({ RNN_ENGINE_ISA: isa }).engineIsa, isa);
  }
});

test('an unknown engine or ISA is a ConfigError naming the variable and the choices', () => {
  assert.throws(() => loadConfig({ RNN_ENGINE: 'gpu' }), (error: unknown) =>
    error instanceof ConfigError && /RNN_ENGINE=gpu is not one of auto, native, wasm/.test(error.message));
  assert.throws(() => loadConfig({ RNN_ENGINE_ISA: 'sse2' }), (error: unknown) =>
    error instanceof ConfigError && /RNN_ENGINE_ISA=sse2 is not one of auto, avx512, avx2, neon, baseline/.test(error.message));
});
