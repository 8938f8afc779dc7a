import type { TSchema, Static } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';
import { InvalidField, nearestField, pointerPath } from '../errors/index.js';

/** A compiled validator that throws InvalidField naming the first bad field. */
export interface Validator<T extends TSchema> {
  parse(value: unknown, root?: string): Static<T>;
}

export function compile<T extends TSchema>(schema: T): Validator<T> {
  const check: TypeCheck<T> = TypeCompiler.Compile(schema);
  return {
    parse(value, root = '') {
      if (check.Check(value)) return value;
      const first = firstToShow(check.Errors(value));
      if (first === undefined) throw new InvalidField(root || 'body', 'is invalid');
      throw describe(first, root, value);
    },
  };
}

/** Errors looked through for a field that is not known (the first error is shown otherwise). */
const ERRORS_LOOKED_AT = 64;

/**
 * The error to show: a field that is not known comes first, wherever it is. A field misspelled or
 * borrowed from another tool (`condition` for `mode`) also leaves the right one missing, and
 * "mode is required" alone would not say which of the file's fields is the wrong one.
 */
function firstToShow(errors: Iterable<ValueError>): ValueError | undefined {
  let first: ValueError | undefined;
  let seen = 0;
  for (const error of errors) {
    first ??= error;
    if (isUnknownField(error)) return error;
    if (++seen >= ERRORS_LOOKED_AT) break;
  }
  return first;
}

function isUnknownField(error: ValueError): boolean {
  return error.type === ValueErrorType.ObjectAdditionalProperties || error.message === 'Unexpected property';
}

/** Objects with at most this many fields list them after an unknown one (when none is near it). */
const LISTED_FIELDS = 12;

/** " (did you mean memory?)", else " (known: a, b, c)" for a small object: what it takes instead. */
function unknownFieldHint(error: ValueError): string {
  const properties = (error.schema as { properties?: unknown }).properties;
  if (typeof properties !== 'object' || properties === null) return '';
  const names = Object.keys(properties);
  const given = error.path.split('/').pop() ?? '';
  const near = nearestField(given, names);
  if (near !== undefined) return ` (did you mean ${near}?)`;
  return names.length > 0 && names.length <= LISTED_FIELDS ? ` (known: ${names.join(', ')})` : '';
}

function describe(error: ValueError, root: string, value: unknown): InvalidField {
  const field = pointerPath(error.path, value, root) || 'body';
  if (isUnknownField(error)) return new InvalidField(field, `is not a known field${unknownFieldHint(error)}`);
  if (error.type === ValueErrorType.ObjectRequiredProperty) {
    // the missing field's own words say what to write there: `restartPolicy.mode is required; it
    // must be "never", "on-failure" or "always"`
    const hint = (error.schema as { hint?: unknown } | undefined)?.hint;
    return new InvalidField(field, typeof hint === 'string' ? `is required; it ${hint}` : 'is required');
  }
  const max = (error.schema as { maxProperties?: unknown }).maxProperties;
  if (error.type === ValueErrorType.ObjectMaxProperties && typeof max === 'number') {
    const n = typeof error.value === 'object' && error.value !== null ? Object.keys(error.value).length : 0;
    return new InvalidField(field, `has ${n} entries; at most ${max}`);
  }
  const bound = boundWords(error);
  if (bound !== undefined) return new InvalidField(field, bound);
  const hint = (error.schema as { hint?: unknown }).hint;
  const shown = JSON.stringify(error.value);
  const got = shown === undefined ? '' : ` (got ${shown.length > 60 ? `${shown.slice(0, 57)}...` : shown})`;
  if (typeof hint === 'string') return new InvalidField(field, `${hint}${got}`);
  const plain = PLAIN_WORDS.get(error.type);
  if (plain !== undefined) return new InvalidField(field, `${plain}${got}`);
  return new InvalidField(field, `${error.message.charAt(0).toLowerCase()}${error.message.slice(1)}${got}`);
}

/**
 * What a value of the wrong kind is told, for a field with no hint of its own: TypeBox's own words
 * ("Expected union value", "Expected object") name its types, not what a file should hold.
 */
const PLAIN_WORDS: ReadonlyMap<ValueErrorType, string> = new Map([
  [ValueErrorType.Array, 'must be a list (YAML: [a, b], or lines starting with "- "; JSON: ["a", "b"])'],
  [ValueErrorType.Object, 'must be a mapping of fields (YAML: "key: value" lines; JSON: {"key": value})'],
  [ValueErrorType.String, 'must be a string (in YAML, quote numbers and true/false: "8080")'],
  [ValueErrorType.Integer, 'must be a whole number'],
  [ValueErrorType.Number, 'must be a number'],
  [ValueErrorType.Boolean, 'must be true or false'],
  [ValueErrorType.Union, 'is none of the forms this field takes'],
]);

/**
 * A value past a size bound, said in the words the spec's own checks use (`env has 257 entries;
 * at most 256`): TypeBox's ("expected array length to be less or equal to 32") come with the list
 * itself, and a hint of the field's form would send its writer looking for the wrong fault (a label
 * value of 4097 characters is a string). A hint that names the bound already says it, and is kept.
 */
function boundWords(error: ValueError): string | undefined {
  const { maxItems, maxLength, maximum, minimum, hint } = error.schema as Record<string, unknown>;
  const said = (bound: number): boolean => typeof hint === 'string' && hint.includes(String(bound));
  const { value } = error;
  if (error.type === ValueErrorType.ArrayMaxItems && typeof maxItems === 'number' && Array.isArray(value))
    return said(maxItems) ? undefined : `has ${value.length} entries; at most ${maxItems}`;
  if (error.type === ValueErrorType.StringMaxLength && typeof maxLength === 'number' && typeof value === 'string')
    return said(maxLength) ? undefined : `is ${value.length} characters long; at most ${maxLength}`;
  if (typeof value !== 'number' || hint !== undefined) return undefined;
  const over = error.type === ValueErrorType.IntegerMaximum || error.type === ValueErrorType.NumberMaximum;
  if (over && typeof maximum === 'number') return `is ${value}; at most ${maximum}`;
  const under = error.type === ValueErrorType.IntegerMinimum || error.type === ValueErrorType.NumberMinimum;
  if (under && typeof minimum === 'number') return `is ${value}; at least ${minimum}`;
  return undefined;
}
