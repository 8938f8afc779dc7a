// Byte-level pieces of the http mode's head parsing: heads are read where they arrived, in the
// client's or replica's buffer, never turned into strings as a whole, and the head sent on is the
// received lines it keeps (byte ranges, copied once) followed by the lines the proxy adds.

/** `b` after `a` (`b` itself when there is no `a`). */
export function concat(a: Buffer | undefined, b: Buffer): Buffer {
  return a === undefined || a.length === 0 ? b : Buffer.concat([a, b]);
}

export const CR = 13;
export const LF = 10;
export const SP = 32;
const HT = 9;
export const COLON = 58;

/** tchar (RFC 9110 5.6.2): the bytes of a method or a field name. */
const TOKEN_BYTES = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") {
  TOKEN_BYTES[c.charCodeAt(0)] = 1;
}

/** The header names the parser acts on (the others pass through untouched). */
export const Kind = {
  Other: 0,
  ContentLength: 1,
  TransferEncoding: 2,
  Connection: 3,
  Upgrade: 4,
  ForwardedFor: 5,
  ForwardedProto: 6,
  /** The other hop-by-hop headers (RFC 9110 7.6.1): dropped. */
  HopByHop: 7,
} as const;
export type Kind = (typeof Kind)[keyof typeof Kind];

const NAMES: ReadonlyArray<[string, Kind]> = [
  ['content-length', Kind.ContentLength],
  ['transfer-encoding', Kind.TransferEncoding],
  ['connection', Kind.Connection],
  ['upgrade', Kind.Upgrade],
  ['x-forwarded-for', Kind.ForwardedFor],
  ['x-forwarded-proto', Kind.ForwardedProto],
  ['keep-alive', Kind.HopByHop],
  ['proxy-connection', Kind.HopByHop],
  ['proxy-authenticate', Kind.HopByHop],
  ['proxy-authorization', Kind.HopByHop],
  ['te', Kind.HopByHop],
  ['trailer', Kind.HopByHop],
];
/** Lowercased names the parser acts on, as strings (a Connection header's options are matched against them). */
export const KNOWN_NAMES: ReadonlySet<string> = new Set(NAMES.map(([n]) => n));
/** The names by length: most field names have a length none of them has, and cost one array read. */
const BY_LENGTH: Array<Array<[Uint8Array, Kind]> | undefined> = [];
for (const [name, kind] of NAMES) (BY_LENGTH[name.length] ??= []).push([Buffer.from(name, 'latin1'), kind]);

/** The kind of the field name at `buf[from, to)` (already checked to be a token), case-insensitively. */
export function kindOf(buf: Buffer, from: number, to: number): Kind {
  const candidates = BY_LENGTH[to - from];
  if (candidates === undefined) return Kind.Other;
  // `| 0x20` lowercases a letter; no other token byte becomes a byte of these names
  next: for (const [name, kind] of candidates) {
    for (let i = 0; i < name.length; i++) if (((buf[from + i] as number) | 0x20) !== name[i]) continue next;
    return kind;
  }
  return Kind.Other;
}

/** `buf[from, to)` is a token (a method, a field name). */
export function isToken(buf: Buffer, from: number, to: number): boolean {
  if (to <= from) return false;
  for (let i = from; i < to; i++) if (TOKEN_BYTES[buf[i] as number] === 0) return false;
  return true;
}

/** `buf[from, to)` is a request target: visible ASCII, at least one byte. */
export function isTarget(buf: Buffer, from: number, to: number): boolean {
  if (to <= from) return false;
  for (let i = from; i < to; i++) {
    const b = buf[i] as number;
    if (b < 0x21 || b > 0x7e) return false;
  }
  return true;
}

/** `buf[from, from + text.length)` equals `text` (ASCII) exactly. */
export function bytesEqual(buf: Buffer, from: number, to: number, text: string): boolean {
  if (to - from !== text.length) return false;
  for (let i = 0; i < text.length; i++) if (buf[from + i] !== text.charCodeAt(i)) return false;
  return true;
}

/** `buf[from, to)`, spaces and tabs around it ignored, equals lowercase `text` case-insensitively. */
export function valueIs(buf: Buffer, from: number, to: number, text: string): boolean {
  [from, to] = trimmed(buf, from, to);
  if (to - from !== text.length) return false;
  for (let i = 0; i < text.length; i++) if (((buf[from + i] as number) | 0x20) !== text.charCodeAt(i)) return false;
  return true;
}

/** `[from, to)` without the spaces and tabs at either end. */
export function trimmed(buf: Buffer, from: number, to: number): [number, number] {
  while (from < to && (buf[from] === SP || buf[from] === HT)) from++;
  while (to > from && (buf[to - 1] === SP || buf[to - 1] === HT)) to--;
  return [from, to];
}

/** The decimal number at `buf[from, to)` (spaces and tabs around it ignored): 1 to 15 digits, else -1. */
export function decimal(buf: Buffer, from: number, to: number): number {
  [from, to] = trimmed(buf, from, to);
  if (to <= from || to - from > 15) return -1;
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = (buf[i] as number) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** One field line: where its name ends (the colon) and its value, and where the line ends (its CR). */
export interface FieldLine {
  colon: number;
  lineEnd: number;
}

/**
 * Reads the field line starting at `at` in a head that ends at `end` (its last line's CRLF is
 * at `end`). Returns the reason when the line is malformed: no name, a name that is not a token
 * (also a space before the colon, or a folded line), or a CR, LF or NUL in the value.
 */
export function fieldLine(buf: Buffer, at: number, end: number, out: FieldLine): string | undefined {
  let i = at;
  while (i < end && TOKEN_BYTES[buf[i] as number] === 1) i++;
  if (i === end || buf[i] !== COLON || i === at) {
    if (i === at && buf[i] === COLON) return 'malformed header line';
    // a colon further on: a name with a byte a name cannot have; none: not a field line at all
    for (let j = i; j < end && buf[j] !== CR && buf[j] !== LF; j++)
      if (buf[j] === COLON) return 'malformed header name';
    return 'malformed header line';
  }
  out.colon = i;
  for (i += 1; i < end; i++) {
    const b = buf[i] as number;
    if (b === CR) {
      if (buf[i + 1] === LF) break;
      return 'malformed header value';
    }
    if (b === LF || b === 0) return 'malformed header value';
  }
  out.lineEnd = i;
  return undefined;
}

/**
 * A head as sent on: byte ranges of the received head (each a whole line with its CRLF), then
 * the lines the proxy adds and the blank line (`suffix`). `bytes` builds it with the body bytes
 * that came with it as one buffer: one copy, one write, one segment.
 */
export class OutHead {
  readonly length: number;

  constructor(
    private readonly src: Buffer,
    /** [start, end, start, end, …] in `src`. */
    private readonly ranges: number[],
    private readonly suffix: Buffer,
  ) {
    let length = suffix.length;
    for (let i = 0; i < ranges.length; i += 2) length += (ranges[i + 1] as number) - (ranges[i] as number);
    this.length = length;
  }

  bytes(body?: Buffer, from = 0, to = body?.length ?? 0): Buffer {
    const out = Buffer.allocUnsafe(this.length + to - from);
    const { src, ranges } = this;
    let o = 0;
    for (let i = 0; i < ranges.length;) {
      const start = ranges[i] as number;
      let stop = ranges[i + 1] as number;
      // lines kept one after another are one copy
      for (i += 2; i < ranges.length && ranges[i] === stop; i += 2) stop = ranges[i + 1] as number;
      o += src.copy(out, o, start, stop);
    }
    o += this.suffix.copy(out, o);
    if (body !== undefined && to > from) body.copy(out, o, from, to);
    return out;
  }

  /** The head as text (tests, logs). */
  toString(): string {
    return this.bytes().toString('latin1');
  }
}
