// Loads one model package folder (docs/model-format.md): config.json, then the one weight file
// its layout names, mapped onto the engine's NetworkWeights; or, when the folder holds
// model.onnx, the network its graph describes (onnx/onnx-package.ts) with an optional config.json.
// Other files (cases.json, README) are ignored. Every problem is a ModelPackageError naming
// "<model>/<file>".

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { NetworkSpec, NetworkWeights } from '../engine/types.js';
import { parseModelConfig, toNetworkSpec, type ModelConfig } from './config-schema.js';
import { ModelPackageError } from './errors.js';
import { checkFiniteWeights } from './finite-weights.js';
import { parseNpz } from './npz.js';
import { loadOnnxPackage } from './onnx/onnx-package.js';
import { parseSafetensors } from './safetensors.js';
import { mapSeedWeights, mapTorchWeights } from './weight-mapping.js';

export interface LoadedPackage {
  /** The folder's name. */
  readonly name: string;
  readonly dir: string;
  readonly config: ModelConfig;
  readonly spec: NetworkSpec;
  readonly weights: NetworkWeights;
  /** sha256 hex of config.json's bytes then the weight file's bytes: changes with any edit (rolling upgrades). */
  readonly identity: string;
}

const weightFileByLayout = { torch: 'model.safetensors', seed: 'weights.npz' } as const;
const ONNX_FILE = 'model.onnx';

function isMissingFile(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** The file's bytes, or undefined when it does not exist; other I/O errors name the file. */
async function readOptionalFile(path: string, label: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (error) {
    if (isMissingFile(error)) return undefined;
    throw new ModelPackageError(`${label}: cannot be read (${(error as Error).message})`, { cause: error });
  }
}

function parseJson(bytes: Buffer, label: string): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new ModelPackageError(`${label}: not valid JSON (${(error as Error).message})`, { cause: error });
  }
}

async function readConfig(dir: string, name: string): Promise<{ bytes: Buffer; config: ModelConfig }> {
  const label = `${name}/config.json`;
  const bytes = await readOptionalFile(join(dir, 'config.json'), label);
  if (bytes === undefined) throw new ModelPackageError(`${label}: missing; every model package needs a config.json`);
  return { bytes, config: parseModelConfig(parseJson(bytes, label), label) };
}

async function readWeightFile(dir: string, name: string, config: ModelConfig): Promise<{ bytes: Buffer; label: string }> {
  if (config.layout === 'onnx') throw new Error('readWeightFile: ONNX packages are loaded by loadOnnxFolder');
  const wanted = weightFileByLayout[config.layout];
  const other = config.layout === 'torch' ? weightFileByLayout.seed : weightFileByLayout.torch;
  const label = `${name}/${wanted}`;
  const [bytes, otherBytes] = await Promise.all([
    readOptionalFile(join(dir, wanted), label),
    readOptionalFile(join(dir, other), `${name}/${other}`),
  ]);
  if (bytes === undefined) {
    const hint = otherBytes !== undefined ? `; found ${other}, which layout '${config.layout === 'torch' ? 'seed' : 'torch'}' reads` : '';
    throw new ModelPackageError(`${label}: missing; layout '${config.layout}' reads the weights from ${wanted}${hint}`);
  }
  if (otherBytes !== undefined) {
    throw new ModelPackageError(
      `${name}: has both ${wanted} and ${other}; layout '${config.layout}' reads ${wanted}, remove ${other} so the weights are unambiguous`,
    );
  }
  return { bytes, label };
}

/** model.onnx with its optional config.json; no other weight file may sit beside it. */
async function loadOnnxFolder(dir: string, name: string, onnxBytes: Buffer): Promise<LoadedPackage> {
  const others = Object.values(weightFileByLayout);
  const present = await Promise.all(others.map((file) => readOptionalFile(join(dir, file), `${name}/${file}`)));
  const clash = others.filter((_, k) => present[k] !== undefined);
  if (clash.length > 0) {
    throw new ModelPackageError(
      `${name}: has both ${ONNX_FILE} and ${clash.join(' and ')}; a package holds one network, remove the file not meant to be served`,
    );
  }
  const configLabel = `${name}/config.json`;
  const configBytes = await readOptionalFile(join(dir, 'config.json'), configLabel);
  const configJson = configBytes === undefined ? undefined : parseJson(configBytes, configLabel);
  const { config, weights } = loadOnnxPackage(onnxBytes, configJson, name);
  checkFiniteWeights(weights, `${name}/${ONNX_FILE}`);
  const hash = createHash('sha256');
  if (configBytes !== undefined) hash.update(configBytes);
  const identity = hash.update(onnxBytes).digest('hex');
  return { name, dir, config, spec: toNetworkSpec(config), weights, identity };
}

/**
 * Loads and checks the package in `dir`; its name (what messages start with) is the folder's
 * name unless `name` says otherwise (a version folder: "co2-lstm/2").
 */
export async function loadModelPackage(dir: string, name: string = basename(dir)): Promise<LoadedPackage> {
  const onnxBytes = await readOptionalFile(join(dir, ONNX_FILE), `${name}/${ONNX_FILE}`);
  if (onnxBytes !== undefined) return loadOnnxFolder(dir, name, onnxBytes);
  const { bytes: configBytes, config } = await readConfig(dir, name);
  const { bytes: weightBytes, label } = await readWeightFile(dir, name, config);
  const weights =
    config.layout === 'seed'
      ? mapSeedWeights(parseNpz(weightBytes, label), config, label)
      : mapTorchWeights(parseSafetensors(weightBytes, label), config, label);
  const identity = createHash('sha256').update(configBytes).update(weightBytes).digest('hex');
  return { name, dir, config, spec: toNetworkSpec(config), weights, identity };
}
