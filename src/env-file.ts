// `.env` in the working directory, read once at start-up when it exists (.env.example says to
// copy it there). The real environment wins: a variable it already defines, even as empty, is
// never replaced by the file, as with `node --env-file`. The syntax is Node's own (util.parseEnv):
// KEY=value lines, # comments, optional quotes and `export `.
import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { ConfigError } from './config.js';

/** Copies the file's variables that `env` does not define into `env`; returns their names. */
export function applyEnvFile(path: string, env: NodeJS.ProcessEnv = process.env): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new ConfigError(`${path} cannot be read (${(error as Error).message})`, { cause: error });
  }
  const applied: string[] = [];
  for (const [name, value] of Object.entries(parseEnv(text))) {
    if (env[name] === undefined && value !== undefined) {
      env[name] = value;
      applied.push(name);
    }
  }
  return applied;
}
