// The version policy of a model: which of its version folders are loaded (Triton's
// ModelVersionPolicy, in the JSON form of its model configuration). Read from the optional
// model.json at the model's root:
//   {"version_policy": {"latest": {"num_versions": 2}}}     the 2 highest versions (default: 1)
//   {"version_policy": {"all": {}}}                         every version
//   {"version_policy": {"specific": {"versions": [1, 3]}}}  exactly these
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export const MODEL_FILE = 'model.json';

export type VersionPolicy =
  | { readonly kind: 'latest'; readonly count: number }
  | { readonly kind: 'all' }
  | { readonly kind: 'specific'; readonly versions: readonly number[] };

export const DEFAULT_POLICY: VersionPolicy = { kind: 'latest', count: 1 };

/** The versions (numbers, highest first) the policy loads out of those on disk. */
export function selectVersions(policy: VersionPolicy, available: readonly number[]): number[] {
  const sorted = [...available].sort((a, b) => b - a);
  if (policy.kind === 'all') return sorted;
  if (policy.kind === 'latest') return sorted.slice(0, policy.count);
  const wanted = new Set(policy.versions);
  return sorted.filter((version) => wanted.has(version));
}

export function describePolicy(policy: VersionPolicy): string {
  if (policy.kind === 'all') return 'all versions';
  if (policy.kind === 'latest') return `the latest ${policy.count} version${policy.count === 1 ? '' : 's'}`;
  return `versions ${policy.versions.join(', ')}`;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isVersionNumber = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;

/** Parses model.json's text; throws an Error whose message names the field that is wrong. */
export function parseModelFile(text: string, label: string): VersionPolicy {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${label}: not valid JSON (${(error as Error).message})`);
  }
  if (!isObject(json)) throw new Error(`${label}: must be a JSON object`);
  const unknown = Object.keys(json).filter((key) => key !== 'version_policy');
  if (unknown.length > 0) throw new Error(`${label}: unknown field ${unknown.map((key) => `'${key}'`).join(', ')}; it may hold version_policy`);
  const policy = json.version_policy;
  if (policy === undefined) return DEFAULT_POLICY;
  const kinds = isObject(policy) ? Object.keys(policy) : [];
  if (!isObject(policy) || kinds.length !== 1 || !['latest', 'all', 'specific'].includes(kinds[0]!)) {
    throw new Error(`${label}: version_policy must be one of {"latest": {"num_versions": N}}, {"all": {}}, {"specific": {"versions": [...]}}`);
  }
  const kind = kinds[0]!;
  const body = policy[kind];
  if (!isObject(body)) throw new Error(`${label}: version_policy.${kind} must be an object`);
  if (kind === 'all') {
    if (Object.keys(body).length > 0) throw new Error(`${label}: version_policy.all takes no fields`);
    return { kind: 'all' };
  }
  if (kind === 'latest') {
    const extra = Object.keys(body).filter((key) => key !== 'num_versions');
    const count = body.num_versions;
    if (extra.length > 0 || !Number.isSafeInteger(count) || (count as number) < 1) {
      throw new Error(`${label}: version_policy.latest needs num_versions, an integer of at least 1 (and nothing else)`);
    }
    return { kind: 'latest', count: count as number };
  }
  const extra = Object.keys(body).filter((key) => key !== 'versions');
  const versions = body.versions;
  if (extra.length > 0 || !Array.isArray(versions) || versions.length === 0 || !versions.every(isVersionNumber)) {
    throw new Error(`${label}: version_policy.specific needs versions, a non-empty array of version numbers (and nothing else)`);
  }
  return { kind: 'specific', versions: [...new Set(versions)].sort((a, b) => a - b) };
}

/** The policy of the model folder `dir`: its model.json, or the default when there is none. */
export async function readPolicy(dir: string, name: string): Promise<VersionPolicy> {
  let text: string;
  try {
    text = await readFile(join(dir, MODEL_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return DEFAULT_POLICY;
    throw new Error(`${name}/${MODEL_FILE}: cannot be read (${(error as Error).message})`);
  }
  return parseModelFile(text, `${name}/${MODEL_FILE}`);
}
