// The random numbers behind sampled generation. A request's seed fixes every draw, so the same
// seed and the same request give the same tokens (never Math.random, which cannot be replayed).
import { randomInt } from 'node:crypto';

/** Seeds are unsigned 32-bit integers: each one is a distinct generator state. */
export const MAX_SEED = 0xffffffff;

/** A seed for a request that gave none; returned to the client so it can replay the request. */
export function drawSeed(): number {
  return randomInt(0, MAX_SEED + 1);
}

/**
 * xoshiro128** (Blackman and Vigna): 128 bits of state, period 2^128 - 1, good statistical
 * quality for its size. The state is filled from the seed with splitmix32, so nearby seeds give
 * unrelated streams (and the all-zero state xoshiro must avoid would need four zero outputs in a
 * row). Returns uniform numbers in [0, 1) with 32-bit resolution.
 */
export function createSeededRandom(seed: number): () => number {
  let mix = seed >>> 0;
  const splitmix32 = (): number => {
    mix = (mix + 0x9e3779b9) | 0;
    let z = mix;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let s0 = splitmix32();
  let s1 = splitmix32();
  let s2 = splitmix32();
  let s3 = splitmix32();
  return () => {
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3, 11);
    return result / 4294967296;
  };
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
