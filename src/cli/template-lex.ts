// The words of one `{{...}}` of a --format template, as Go's text/template reads them: fields
// (`.Spec.Image`, `.`), variables (`$`, `$v.Name`), strings ("a\tb", `raw`), numbers, names (of
// functions, and if/range/else/end), and `|`, `(`, `)`, `:=`, `,`.

/** A word of an action; a field's path is its names (`.` alone has none), after its variable if any. */
export type Token =
  | { readonly kind: 'field'; readonly variable: string | undefined; readonly path: readonly string[] }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'number'; readonly value: number }
  | { readonly kind: 'name'; readonly value: string }
  | { readonly kind: 'punct'; readonly value: '|' | '(' | ')' | ':=' | ',' };

const FIELD = /^(\$[A-Za-z0-9_]*)?((?:\.[A-Za-z_][A-Za-z0-9_]*)+|\.)?/;
const NUMBER = /^-?\d+(\.\d+)?/;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;
const STRING = /^"(?:[^"\\]|\\.)*"/;
/** What may follow a field, a number or a name: it is not run on into another. */
const END_OF_WORD = /^($|[\s|(),]|:=)/;

/** The words of `text` (an action without its braces); an Error says what cannot be read. */
export function words(text: string): Token[] {
  const tokens: Token[] = [];
  let rest = text.trimStart();
  while (rest !== '') {
    const [token, length] = word(rest);
    tokens.push(token);
    rest = rest.slice(length);
    if (token.kind !== 'punct' && token.kind !== 'string' && !END_OF_WORD.test(rest))
      throw new Error(`cannot read ${quoted(text.slice(text.length - rest.length - length).split(/\s/)[0] ?? '')}`);
    rest = rest.trimStart();
  }
  return tokens;
}

function word(rest: string): [Token, number] {
  for (const punct of ['|', '(', ')', ':=', ','] as const)
    if (rest.startsWith(punct)) return [punct1(punct), punct.length];
  const field = FIELD.exec(rest);
  if (field !== null && field[0] !== '') {
    const path = field[2] === undefined || field[2] === '.' ? [] : field[2].slice(1).split('.');
    return [{ kind: 'field', variable: field[1], path }, field[0].length];
  }
  const number = NUMBER.exec(rest);
  if (number !== null) return [{ kind: 'number', value: Number(number[0]) }, number[0].length];
  const name = NAME.exec(rest);
  if (name !== null) return [{ kind: 'name', value: name[0] }, name[0].length];
  if (rest.startsWith('`')) {
    const end = rest.indexOf('`', 1);
    if (end < 0) throw new Error('has a raw string with no ` to end it');
    return [{ kind: 'string', value: rest.slice(1, end) }, end + 1];
  }
  const string = STRING.exec(rest);
  if (string !== null) return [{ kind: 'string', value: goString(string[0]) }, string[0].length];
  if (rest.startsWith('"')) throw new Error('has a string with no " to end it');
  throw new Error(`cannot read ${quoted(rest.split(/\s/)[0] ?? '')}`);
}

function punct1(value: '|' | '(' | ')' | ':=' | ','): Token {
  return { kind: 'punct', value };
}

const ESCAPES: Readonly<Record<string, string>> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  '"': '"',
  "'": "'",
};

/** A Go "quoted" string's text: its escapes (\t, \n, \", \\, \xNN, \uNNNN) read. */
function goString(quotedText: string): string {
  return quotedText.slice(1, -1).replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|.)/g, (_all, escape: string) => {
    if (escape.length > 1) return String.fromCharCode(parseInt(escape.slice(1), 16));
    const char = ESCAPES[escape];
    if (char === undefined) throw new Error(`cannot read the string ${quotedText}: \\${escape} is no escape of Go's`);
    return char;
  });
}

function quoted(text: string): string {
  return `"${text}"`;
}
