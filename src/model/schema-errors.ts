// Turns TypeBox validation errors on config.json into sentences that name the key, what is
// allowed and what was found (TypeBox's own messages name neither the allowed keys nor the value).

import type { TLocalizedValidationError } from 'typebox/error';

/** JSON pointer segments, unescaped (~1 is "/", ~0 is "~"). */
function pointerSegments(instancePath: string): string[] {
  return instancePath
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** "/normalization/input/std/0" -> "normalization.input.std[0]" */
function keyPath(instancePath: string): string {
  const path = pointerSegments(instancePath)
    .map((part) => (/^\d+$/.test(part) ? `[${part}]` : `.${part}`))
    .join('');
  return path.replace(/^\./, '') || '(root)';
}

export function describeValue(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function valueAt(json: unknown, instancePath: string): unknown {
  let value = json;
  for (const part of pointerSegments(instancePath)) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** Allowed keys of the object at an instance path, for "unknown key" messages. */
export type AllowedKeys = (instancePath: string) => readonly string[];

function describeSchemaError(error: TLocalizedValidationError, json: unknown, allowedKeysAt: AllowedKeys): string | undefined {
  const where = keyPath(error.instancePath);
  const found = describeValue(valueAt(json, error.instancePath));
  switch (error.keyword) {
    case 'boolean':
      return undefined;
    case 'additionalProperties': {
      const unknown = error.params.additionalProperties.map((key) => `'${key}'`).join(', ');
      const scope = error.instancePath === '' ? '' : ` in ${where}`;
      return `unknown key ${unknown}${scope} (allowed: ${allowedKeysAt(error.instancePath).join(', ')})`;
    }
    case 'required':
      return `missing required key ${error.params.requiredProperties.map((key) => `'${key}'`).join(', ')}`;
    case 'enum':
      return `${where} must be one of ${error.params.allowedValues.map((v) => describeValue(v)).join(', ')}, found ${found}`;
    case 'type': {
      const type = String(error.params.type);
      return `${where} must be ${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type}, found ${found}`;
    }
    case 'minimum':
    case 'exclusiveMinimum':
      return `${where} must be ${error.params.comparison} ${error.params.limit}, found ${found}`;
    case 'minLength':
      return `${where} must be a non-empty string`;
    default:
      return `${where} ${error.message}, found ${found}`;
  }
}

/** One sentence per schema violation, duplicates and the "schema is false" echoes of unknown keys dropped. */
export function describeSchemaErrors(
  errors: readonly TLocalizedValidationError[],
  json: unknown,
  allowedKeysAt: AllowedKeys,
): string[] {
  const sentences = errors.map((error) => describeSchemaError(error, json, allowedKeysAt));
  return [...new Set(sentences.filter((text): text is string => text !== undefined))];
}
