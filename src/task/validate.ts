import type { TSchema, Static } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';
import { InvalidField } from '../errors/index.js';

/** A compiled validator that throws InvalidField naming the first bad field. */
export interface Validator<T extends TSchema> {
  parse(value: unknown, root?: string): Static<T>;
}

export function compile<T extends TSchema>(schema: T): Validator<T> {
  const check: TypeCheck<T> = TypeCompiler.Compile(schema);
  return {
    parse(value, root = '') {
      if (check.Check(value)) return value;
      const first = check.Errors(value).First();
      if (first === undefined) throw new InvalidField(root || 'body', 'is invalid');
      throw describe(first, root);
    },
  };
}

function fieldName(path: string, root: string): string {
  const inner = path.split('/').filter(Boolean).join('.');
  if (root === '') return inner || 'body';
  return inner === '' ? root : `${root}.${inner}`;
}

function describe(error: ValueError, root: string): InvalidField {
  const field = fieldName(error.path, root);
  if (error.type === ValueErrorType.ObjectAdditionalProperties || error.message === 'Unexpected property') {
    return new InvalidField(field, 'is not a known field');
  }
  if (error.type === ValueErrorType.ObjectRequiredProperty) return new InvalidField(field, 'is required');
  const max = (error.schema as { maxProperties?: unknown }).maxProperties;
  if (error.type === ValueErrorType.ObjectMaxProperties && typeof max === 'number') {
    const n = typeof error.value === 'object' && error.value !== null ? Object.keys(error.value).length : 0;
    return new InvalidField(field, `has ${n} entries; at most ${max}`);
  }
  const hint = (error.schema as { hint?: unknown }).hint;
  const shown = JSON.stringify(error.value);
  const got = shown === undefined ? '' : ` (got ${shown.length > 60 ? `${shown.slice(0, 57)}...` : shown})`;
  if (typeof hint === 'string') return new InvalidField(field, `${hint}${got}`);
  return new InvalidField(field, `${error.message.charAt(0).toLowerCase()}${error.message.slice(1)}${got}`);
}
