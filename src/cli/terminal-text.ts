// Text from outside (names, images, reasons, error messages a server sent) on its way to a
// terminal. A control character in it would be acted on: an escape sequence can clear the screen,
// retitle the window, hide the rest of a line or move the cursor over what was printed, and a
// bidirectional override can make a name read as another. Each is shown as its code instead.

/** C0 (but space), DEL, C1, the line and paragraph separators, and the bidi embeddings, overrides and isolates. */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const HAS_UNSAFE = new RegExp(UNSAFE.source);
/** The same, but the JSON whitespace a line of JSON may hold between its tokens (tab, CR). */
const UNSAFE_IN_JSON = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function code(c: string): string {
  const n = c.charCodeAt(0);
  return n < 0x100 ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
}

function jsonCode(c: string): string {
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** Names or ids, one a line, each printable (what `-q` prints); nothing for none. */
export function idLines(ids: readonly string[]): string {
  return ids.map((id) => `${printable(id)}\n`).join('');
}

/** `text` with every control character shown as `\xNN` / `\uNNNN`: one line, printed as it reads. */
export function printable(text: string): string {
  return HAS_UNSAFE.test(text) ? text.replace(UNSAFE, code) : text; // most text has none: no new string
}

/**
 * A line of JSON (one a server sent, say) made safe to print and still the same JSON: a control
 * character becomes its `\uNNNN` escape, which inside a string means the same character.
 */
export function printableJson(line: string): string {
  return line.replace(UNSAFE_IN_JSON, jsonCode);
}

/** `value` as indented JSON that is safe to print (JSON.stringify leaves C1 and bidi characters as they are). */
export function toJson(value: unknown): string {
  return printableJson(JSON.stringify(value, null, 2));
}
