// The pieces of generation without HTTP: the seeded generator, the token sampler (greedy,
// temperature, top-k, top-p), stop strings and the parameter checks WebSocket messages rely on.
// Every random draw is seeded, so the frequency checks are deterministic.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StopMatcher } from '../../src/service/generation-stop.js';
import { parseGenerationParams } from '../../src/service/generation-request.js';
import { createSeededRandom, MAX_SEED } from '../../src/service/sampling-rng.js';
import { TokenSampler, type SamplingParams } from '../../src/service/sampling.js';

const SAMPLED: SamplingParams = { temperature: 1, topK: 0, topP: 1 };

function frequencies(sampler: TokenSampler, row: Float32Array, draws: number): number[] {
  const counts = new Array<number>(row.length).fill(0);
  for (let i = 0; i < draws; i++) counts[sampler.pick(row)]++;
  return counts.map((count) => count / draws);
}

function assertNear(got: readonly number[], want: readonly number[], within: number, what: string): void {
  got.forEach((value, i) => assert.ok(Math.abs(value - want[i]) <= within, `${what}[${i}]: ${value}, expected ${want[i]} ± ${within}`));
}

describe('createSeededRandom', () => {
  it('replays the same stream for the same seed, and another for another seed', () => {
    const draw = (seed: number) => Array.from({ length: 8 }, createSeededRandom(seed));
    assert.deepEqual(draw(42), draw(42));
    assert.notDeepEqual(draw(42), draw(43));
    assert.notDeepEqual(draw(0), draw(MAX_SEED));
  });

  it('draws in [0, 1), spread evenly', () => {
    const random = createSeededRandom(7);
    const buckets = new Array<number>(10).fill(0);
    const draws = 100_000;
    for (let i = 0; i < draws; i++) {
      const u = random();
      assert.ok(u >= 0 && u < 1, `draw ${u}`);
      buckets[Math.floor(u * 10)]++;
    }
    assertNear(buckets.map((count) => count / draws), new Array(10).fill(0.1), 0.005, 'bucket');
  });
});

describe('TokenSampler', () => {
  const probabilities = Float32Array.from([0.1, 0.5, 0.15, 0.25, 0]);

  it('temperature 0 picks the most likely token, the lowest id on a tie, without drawing', () => {
    const sampler = new TokenSampler(5, true, { ...SAMPLED, temperature: 0 }, () => assert.fail('greedy must not draw'));
    assert.equal(sampler.pick(probabilities), 1);
    assert.equal(sampler.pick(Float32Array.from([0.2, 0.4, 0.4, 0, 0])), 1);
  });

  it('top_k = 1 is greedy whatever the seed and temperature', () => {
    for (const seed of [1, 2, 3]) {
      const sampler = new TokenSampler(5, true, { temperature: 3, topK: 1, topP: 1 }, createSeededRandom(seed));
      for (let i = 0; i < 50; i++) assert.equal(sampler.pick(probabilities), 1);
    }
  });

  it('samples a softmax row in proportion to its probabilities, never an impossible token', () => {
    const sampler = new TokenSampler(5, true, SAMPLED, createSeededRandom(11));
    assertNear(frequencies(sampler, probabilities, 50_000), [0.1, 0.5, 0.15, 0.25, 0], 0.01, 'frequency');
  });

  it('reads an identity row as logits', () => {
    const logits = Float32Array.from([0.1, 0.5, 0.15, 0.25, 1e-9].map(Math.log));
    const sampler = new TokenSampler(5, false, SAMPLED, createSeededRandom(12));
    assertNear(frequencies(sampler, logits, 50_000), [0.1, 0.5, 0.15, 0.25, 0], 0.01, 'frequency');
  });

  it('temperature T samples p^(1/T), renormalised', () => {
    for (const temperature of [0.5, 2]) {
      const sampler = new TokenSampler(5, true, { ...SAMPLED, temperature }, createSeededRandom(13));
      const powered = Array.from(probabilities, (p) => p ** (1 / temperature));
      const total = powered.reduce((a, b) => a + b, 0);
      const want = powered.map((w) => w / total);
      assertNear(frequencies(sampler, probabilities, 50_000), want, 0.01, `T = ${temperature}`);
    }
  });

  it('top_k keeps the k most likely tokens, renormalised', () => {
    const sampler = new TokenSampler(5, true, { ...SAMPLED, topK: 2 }, createSeededRandom(14));
    assertNear(frequencies(sampler, probabilities, 50_000), [0, 0.5 / 0.75, 0, 0.25 / 0.75, 0], 0.01, 'top_k 2');
  });

  it('top_p keeps the fewest most likely tokens whose probability reaches p', () => {
    // 0.5 < 0.7 <= 0.5 + 0.25: the two most likely tokens.
    const nucleus = new TokenSampler(5, true, { ...SAMPLED, topP: 0.7 }, createSeededRandom(15));
    assertNear(frequencies(nucleus, probabilities, 50_000), [0, 0.5 / 0.75, 0, 0.25 / 0.75, 0], 0.01, 'top_p 0.7');
    const tiny = new TokenSampler(5, true, { ...SAMPLED, topP: 1e-6 }, createSeededRandom(16));
    for (let i = 0; i < 50; i++) assert.equal(tiny.pick(probabilities), 1);
  });

  it('a very small temperature neither overflows nor picks an unlikely token', () => {
    const sampler = new TokenSampler(5, true, { ...SAMPLED, temperature: 1e-300 }, createSeededRandom(17));
    for (let i = 0; i < 50; i++) assert.equal(sampler.pick(probabilities), 1);
  });

  it('falls back to greedy when no token has any probability, or one logit is infinite', () => {
    const sampler = new TokenSampler(3, true, SAMPLED, createSeededRandom(18));
    assert.equal(sampler.pick(Float32Array.from([0, 0, 0])), 0);
    const logits = new TokenSampler(3, false, SAMPLED, createSeededRandom(19));
    assert.equal(logits.pick(Float32Array.from([1, Infinity, 2])), 1);
  });
});

describe('StopMatcher', () => {
  it('stops when a stop string appears, cutting the text where it begins', () => {
    const matcher = new StopMatcher(['lo', 'x']);
    assert.equal(matcher.push('hel'), false);
    assert.equal(matcher.text, 'hel');
    assert.equal(matcher.push('o w'), true);
    // 'helo w': the stop string began in the earlier token.
    assert.deepEqual(matcher.stopped, { stop: 'lo', at: 2 });
    assert.equal(matcher.text, 'he');
  });

  it('finds a stop string inside a multi-character token; the earliest one wins', () => {
    const matcher = new StopMatcher(['cd', 'bc']);
    assert.equal(matcher.push('ab'), false);
    assert.equal(matcher.push('cde'), true);
    assert.deepEqual(matcher.stopped, { stop: 'bc', at: 1 });
    assert.equal(matcher.text, 'a');
  });

  it('never stops without stop strings', () => {
    const matcher = new StopMatcher([]);
    assert.equal(matcher.push('anything'), false);
    assert.equal(matcher.stopped, undefined);
    assert.equal(matcher.text, 'anything');
  });
});

describe('parseGenerationParams (the checks WebSocket messages get, without a schema)', () => {
  const limits = { maxGenerateTokens: 100, maxSequenceLength: 1000 };
  const refused: [Record<string, unknown>, string][] = [
    [{ maxTokens: 0 }, 'max_tokens 0 is not an integer in 1..100 (MAX_GENERATE_TOKENS)'],
    [{ maxTokens: 101 }, 'max_tokens 101 is not an integer in 1..100 (MAX_GENERATE_TOKENS)'],
    [{ maxTokens: '5' }, 'max_tokens "5" is not an integer'],
    [{ temperature: -0.5 }, 'temperature -0.5 is not a finite number >= 0'],
    [{ temperature: Infinity }, 'temperature Infinity is not a finite number >= 0'],
    [{ topK: 1.5 }, 'top_k 1.5 is not an integer >= 0'],
    [{ topP: 0 }, 'top_p 0 is not a number in (0, 1]'],
    [{ topP: 1.01 }, 'top_p 1.01 is not a number in (0, 1]'],
    [{ seed: -1 }, `seed -1 is not an integer in 0..${MAX_SEED}`],
    [{ seed: MAX_SEED + 1 }, `seed ${MAX_SEED + 1} is not an integer in 0..${MAX_SEED}`],
    [{ stop: 'x' }, 'stop must be an array of at most 4 strings'],
    [{ stop: ['a', 'b', 'c', 'd', 'e'] }, 'stop must be an array of at most 4 strings'],
    [{ stop: ['a', ''] }, 'stop[1] must be a non-empty string of at most 64 characters'],
  ];
  for (const [input, message] of refused) {
    it(`refuses ${JSON.stringify(input)}`, () => {
      assert.throws(() => parseGenerationParams(input, limits), (error: Error & { code?: string }) => {
        assert.equal(error.code, 'INVALID_INPUT');
        assert.ok(error.message.includes(message), `"${error.message}" should contain "${message}"`);
        return true;
      });
    });
  }

  it('applies the defaults and draws a seed when none is given', () => {
    const plan = parseGenerationParams({}, limits);
    assert.equal(plan.maxTokens, 16);
    assert.deepEqual(plan.sampling, { temperature: 1, topK: 0, topP: 1 });
    assert.deepEqual(plan.stop, []);
    assert.ok(Number.isInteger(plan.seed) && plan.seed >= 0 && plan.seed <= MAX_SEED);
  });
});
