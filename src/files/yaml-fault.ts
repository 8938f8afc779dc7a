import type { YAMLError } from 'yaml';

// What a YAML syntax error says to the person who wrote the file: the `yaml` package's first
// error, placed on the line to fix. Types only from `yaml` here: the package itself is loaded only
// when a YAML file is read.

/** Errors the package gives when text it read as a value turns into a key on a later line. */
const KEY_OVER_LINES = new Set(['BLOCK_AS_IMPLICIT_KEY', 'MULTILINE_IMPLICIT_KEY']);

/**
 * The first of `errors` (from parsing `text` with prettyErrors) as one line ending "at line L,
 * column C"; undefined when there is none.
 *
 * A key indented deeper than the line before it (`image: busybox`, then `  cpu: 1`) reads to YAML
 * as that line's value going on (`busybox cpu`) and then becoming a key. The package places both
 * its errors where the value starts, a line before the one to fix; the line to fix is where the
 * key that runs over lines ends.
 */
export function yamlFault(errors: readonly YAMLError[], text: string): string | undefined {
  const first = errors[0];
  if (first === undefined) return undefined;
  if (KEY_OVER_LINES.has(first.code)) {
    const [start, end] = errors.find((e) => e.code === 'MULTILINE_IMPLICIT_KEY')?.linePos ?? [];
    if (start !== undefined && end !== undefined && end.line > start.line) {
      const column = (text.split('\n')[end.line - 1] ?? '').search(/\S/) + 1;
      const where = `at line ${end.line}, column ${column}`;
      return `a key is indented more than the line before allows ${where}; line it up with the keys around it`;
    }
  }
  // prettyErrors: the message's first line ends with "at line L, column C:"
  return (first.message.split('\n')[0] ?? first.message).replace(/:$/, '');
}
