// The repository on disk (Triton's layout). Every subfolder of MODELS_DIR is a model, and so is a
// symbolic link to a folder (a package kept elsewhere). A model folder holds either one package
// (flat: version 1) or numbered version folders, each a package:
//   models/co2-lstm/model.json      optional: the version policy (policy.ts)
//   models/co2-lstm/1/config.json   version 1
//   models/co2-lstm/2/...           version 2
// Hidden entries (.git, editor state, a copy in progress named .tmp) are never models or versions.
import type { Dirent } from 'node:fs';
import { readdir, readlink, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ModelPackageError } from '../errors.js';

/** A version folder's name: a non-negative integer without leading zeros (Triton's int64 versions). */
const VERSION_NAME = /^(0|[1-9][0-9]{0,15})$/;

export function isVersionName(text: string): boolean {
  return VERSION_NAME.test(text);
}

/** Why `name` cannot be a model of the repository (a path trick, a hidden name), or undefined when it can. */
export function badModelName(name: string): string | undefined {
  if (name === '' || name === '.' || name === '..') return `'${name}' is not a model name`;
  if (/[/\\\0]/.test(name)) return `a model name is one folder name, without '/', '\\' or NUL: '${name}'`;
  if (name.startsWith('.')) return `model names do not start with '.' (hidden folders are not models): '${name}'`;
  return undefined;
}

/** A model folder to read, or a symbolic link that cannot be followed to one (listed as failed). */
export interface ModelDir {
  readonly name: string;
  readonly error?: string;
}

/** What a symbolic link in the models directory is: a folder to load, a file to skip, or an error. */
async function followLink(modelsDir: string, entry: Dirent): Promise<ModelDir | undefined> {
  const path = join(modelsDir, entry.name);
  try {
    return (await stat(path)).isDirectory() ? { name: entry.name } : undefined;
  } catch (error) {
    const target = await readlink(path).catch(() => '?');
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'which does not exist'
      : code === 'ELOOP' ? 'which loops back on itself (too many levels of symbolic links)'
      : `which cannot be read (${(error as Error).message})`;
    return { name: entry.name, error: `${entry.name}: symbolic link to '${target}', ${why}` };
  }
}

/** The model folders of the repository; throws only when modelsDir itself is unusable. */
export async function listModelDirs(modelsDir: string): Promise<ModelDir[]> {
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(modelsDir)).isDirectory();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new ModelPackageError(`models directory '${modelsDir}' does not exist`, { cause: error });
    }
    throw new ModelPackageError(`models directory '${modelsDir}' cannot be read (${(error as Error).message})`, { cause: error });
  }
  if (!isDirectory) throw new ModelPackageError(`models directory '${modelsDir}' is not a directory`);
  const entries = (await readdir(modelsDir, { withFileTypes: true })).filter((entry) => !entry.name.startsWith('.'));
  const dirs = await Promise.all(
    entries.map((entry) => (entry.isSymbolicLink() ? followLink(modelsDir, entry) : entry.isDirectory() ? { name: entry.name } : undefined)),
  );
  return dirs.filter((dir) => dir !== undefined);
}

/** One model folder as laid out: its version folders, or itself as version 1 when flat. */
export interface ModelLayout {
  readonly versioned: boolean;
  /** Version number -> package folder. */
  readonly versions: ReadonlyMap<number, string>;
}

export async function readLayout(dir: string): Promise<ModelLayout> {
  const entries = await readdir(dir, { withFileTypes: true });
  const versions = new Map<number, string>();
  for (const entry of entries) {
    if (!VERSION_NAME.test(entry.name)) continue;
    const path = join(dir, entry.name);
    const isDir = entry.isDirectory() || (entry.isSymbolicLink() && (await stat(path).then((s) => s.isDirectory(), () => false)));
    if (isDir) versions.set(Number(entry.name), path);
  }
  if (versions.size > 0) return { versioned: true, versions };
  return { versioned: false, versions: new Map([[1, dir]]) };
}

/**
 * A cheap summary of a model folder's files (names, sizes, modification times, two levels
 * deep: the root and its version folders), for the poller to notice a change without reading
 * the packages. Links are followed, so relinking a version changes it.
 */
export async function fingerprint(dir: string): Promise<string> {
  const parts: string[] = [];
  const walk = async (path: string, prefix: string, depth: number): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(path, { withFileTypes: true });
    } catch (error) {
      parts.push(`${prefix}!${(error as NodeJS.ErrnoException).code ?? 'error'}`);
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const child = join(path, entry.name);
      const info = await stat(child).catch(() => undefined);
      if (info === undefined) {
        parts.push(`${prefix}${entry.name}!missing`);
      } else if (info.isDirectory()) {
        parts.push(`${prefix}${entry.name}/`);
        if (depth > 0) await walk(child, `${prefix}${entry.name}/`, depth - 1);
      } else {
        parts.push(`${prefix}${entry.name}:${info.size}:${info.mtimeMs}`);
      }
    }
  };
  await walk(dir, '', 1);
  return parts.join('\n');
}
