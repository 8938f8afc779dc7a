// Compose splits a `command` or `entrypoint` given as one string into words as a POSIX shell
// would, without running one: blanks separate words, '...' is literal, "..." keeps blanks and
// takes \" \\ \$ \` as escapes, and a backslash outside quotes escapes the next character.
// Nothing is expanded ($VAR stays as written), as with `docker compose`.

/** The words of `text`; null when a quote is left open (the caller names the path). */
export function splitShellWords(text: string): string[] | null {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let i = 0;
  while (i < text.length) {
    const c = text.charAt(i);
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      i += 1;
      continue;
    }
    inWord = true;
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) return null;
      word += text.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      const read = readDoubleQuoted(text, i + 1);
      if (read === null) return null;
      word += read.text;
      i = read.next;
    } else if (c === '\\' && i + 1 < text.length) {
      word += text.charAt(i + 1);
      i += 2;
    } else {
      word += c;
      i += 1;
    }
  }
  if (inWord) words.push(word);
  return words;
}

const DOUBLE_QUOTE_ESCAPES = new Set(['"', '\\', '$', '`']);

function readDoubleQuoted(text: string, start: number): { text: string; next: number } | null {
  let out = '';
  let i = start;
  while (i < text.length) {
    const c = text.charAt(i);
    if (c === '"') return { text: out, next: i + 1 };
    const after = text.charAt(i + 1);
    if (c === '\\' && DOUBLE_QUOTE_ESCAPES.has(after)) {
      out += after;
      i += 2;
    } else if (c === '\\' && after === '\n') {
      i += 2; // a line continuation
    } else {
      out += c;
      i += 1;
    }
  }
  return null;
}
