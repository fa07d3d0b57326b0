// What the capacity and load benches read from a Redis besides its command counts
// (bench/redis-probe.ts): memory (INFO memory, MEMORY USAGE of keys) and network bytes
// (INFO stats), so bytes per session and bytes per step come from Redis's own accounting.
import { Redis } from 'ioredis';

/** Numeric fields of one INFO section. */
export async function infoNumbers(url: string, section: string): Promise<Map<string, number>> {
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    return parseInfo(await client.info(section));
  } finally {
    client.disconnect();
  }
}

export function parseInfo(text: string): Map<string, number> {
  const numbers = new Map<string, number>();
  for (const match of text.matchAll(/^(\w+):(-?\d+(?:\.\d+)?)\r?$/gm)) numbers.set(match[1]!, Number(match[2]));
  return numbers;
}

/** used_memory: bytes the allocator handed to Redis for data and its own structures. */
export async function usedMemory(url: string): Promise<number> {
  return (await infoNumbers(url, 'memory')).get('used_memory') ?? Number.NaN;
}

/** Bytes Redis has read from and written to clients so far. */
export async function networkBytes(url: string): Promise<{ input: number; output: number }> {
  const stats = await infoNumbers(url, 'stats');
  return { input: stats.get('total_net_input_bytes') ?? Number.NaN, output: stats.get('total_net_output_bytes') ?? Number.NaN };
}

/** MEMORY USAGE of each key (SAMPLES 0: every element counted, not estimated), 0 for a missing key. */
export async function memoryUsage(url: string, keys: readonly string[]): Promise<number[]> {
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    const sizes: number[] = [];
    for (let start = 0; start < keys.length; start += 1000) {
      const pipeline = client.pipeline();
      for (const key of keys.slice(start, start + 1000)) pipeline.call('MEMORY', 'USAGE', key, 'SAMPLES', '0');
      for (const [error, size] of (await pipeline.exec()) ?? []) {
        if (error) throw error;
        sizes.push(Number(size ?? 0));
      }
    }
    return sizes;
  } finally {
    client.disconnect();
  }
}

/** The encoding Redis chose for a key (OBJECT ENCODING): listpack or hashtable for a session. */
export async function encodingOf(url: string, key: string): Promise<string> {
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    return String(await client.object('ENCODING', key));
  } finally {
    client.disconnect();
  }
}
