import { printable, printableJson } from './terminal-text.js';

// The values a --format template works on: the JSON of a view or a row's fields (text from
// outside, printed with its control characters escaped), and text the template wrote itself (its
// strings, what println or join made of them), which is printed as it is: `{{join .Args "\t"}}`
// parts by a tab, while a tab inside an argument is shown as \x09.

/** Text the template made: printed as it is. JSON sees its text. */
export class Written {
  constructor(readonly text: string) {}

  toJSON(): string {
    return this.text;
  }
}

/** The text of a string value, the template's or from outside; undefined for any other value. */
export function stringOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  return value instanceof Written ? value.text : undefined;
}

/** `text` as the same kind of string as `like`: the template's own if `like` was, else from outside. */
export function sameKind(like: unknown, text: string): string | Written {
  return like instanceof Written ? new Written(text) : text;
}

/** A value as `{{...}}` prints it: a string as it is (printable), nothing for null, anything else as JSON. */
export function printed(value: unknown): string {
  if (value instanceof Written) return value.text;
  if (typeof value === 'string') return printable(value);
  if (value === null || value === undefined) return '';
  return printableJson(JSON.stringify(value));
}

/** As Go's if reads it: false, 0, null, "" and an empty list or map are false. */
export function truthy(value: unknown): boolean {
  const text = stringOf(value);
  if (text !== undefined) return text !== '';
  if (Array.isArray(value)) return value.length > 0;
  if (value !== null && typeof value === 'object') return Object.keys(value).length > 0;
  return value !== false && value !== 0 && value !== null && value !== undefined;
}

/** What a value is, for an error: `a string`, `a list`, `null`. */
export function kindOf(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (stringOf(value) !== undefined) return 'a string';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'a map' : `a ${typeof value}`;
}
