// HTTP/1.x message heads as the http mode forwards them (RFC 9110, 9112): parsed strictly enough
// that the proxy and the replica cannot disagree on where a message ends (no request smuggling:
// both Content-Length and Transfer-Encoding, an unknown transfer coding, differing lengths, a
// folded or malformed header line are refused), and rebuilt without hop-by-hop headers. Bodies
// pass through byte for byte; only the heads are re-written.

import {
  bytesEqual,
  COLON,
  CR,
  decimal,
  fieldLine,
  isTarget,
  isToken,
  Kind,
  kindOf,
  KNOWN_NAMES,
  LF,
  OutHead,
  SP,
  trimmed,
  valueIs,
  type FieldLine,
} from './head-bytes.js';

/** A head (request or response) larger than this is refused, as Node's own server does. */
export const MAX_HEAD_BYTES = 16 * 1024;
export const HEAD_END = Buffer.from('\r\n\r\n');

/** How a message's body is delimited. */
export type Framing = 'none' | 'length' | 'chunked' | 'close';

/** A request head as forwarded. */
export interface RequestHead {
  method: string;
  /** The head sent to the replica, CRLF CRLF included. */
  head: OutHead;
  framing: Framing;
  /** Body bytes when `framing` is 'length'. */
  length: number;
  /** The client keeps its connection after this exchange (HTTP/1.1 without `Connection: close`). */
  keepAlive: boolean;
  /** The protocol asked for with `Connection: upgrade` (a WebSocket), else undefined. */
  upgrade: string | undefined;
  /** Safe to send again to another replica: an idempotent method and no body. */
  resendable: boolean;
  /** Sent as HTTP/1.0 with `Connection: close`: the replica's connection is not kept. */
  closesUpstream: boolean;
}

/** What parsing a response needs of the request it answers (the http mode's RequestHead, or the tunnel's). */
export type AskedRequest = Pick<RequestHead, 'method' | 'upgrade' | 'keepAlive' | 'closesUpstream'>;

export interface ResponseHead {
  status: number;
  /** The head sent to the client, CRLF CRLF included. */
  head: OutHead;
  framing: Framing;
  length: number;
  /** The replica's connection may carry another request after this response. */
  reusable: boolean;
  /** The client connection must close after this response (close-delimited body, or asked). */
  closeClient: boolean;
}

/** A request that cannot be forwarded: answered with `status` and the connection closed. */
export class BadRequest {
  constructor(
    readonly status: number,
    readonly reason: string,
  ) {}
}

const LENGTH = /^[0-9]{1,15}$/;
const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'TRACE']);

/** One pass over a head's field lines: what framing and forwarding need, and the lines kept. */
interface Scan {
  /** [start, end, …] of the lines passed on as they came, the start line first. */
  kept: number[];
  /** Content-Length, or -1; and how many digits it had, to tell `012` from `12`. */
  length: number;
  lengthDigits: number;
  /** Transfer codings, lowercased, in order. */
  codings: string[] | undefined;
  close: boolean;
  upgradeOption: boolean;
  /** Connection options other than close, keep-alive and upgrade, lowercased. */
  otherOptions: Set<string> | undefined;
  upgrade: string | undefined;
  forwardedFor: string | undefined;
}

const line: FieldLine = { colon: 0, lineEnd: 0 };

/** Reads the field lines of `buf[at, end)`; `firstLineEnd` is where the start line's CR is. */
function scanFields(buf: Buffer, start: number, firstLineEnd: number, end: number, isRequest: boolean): Scan | string {
  const scan: Scan = {
    kept: [start, Math.min(firstLineEnd, end) + 2],
    length: -1,
    lengthDigits: 0,
    codings: undefined,
    close: false,
    upgradeOption: false,
    otherOptions: undefined,
    upgrade: undefined,
    forwardedFor: undefined,
  };
  for (let at = firstLineEnd + 2; at < end; at = line.lineEnd + 2) {
    const bad = fieldLine(buf, at, end, line);
    if (bad !== undefined) return bad;
    const { colon, lineEnd } = line;
    const kind = kindOf(buf, at, colon);
    if (kind === Kind.Other) {
      scan.kept.push(at, lineEnd + 2);
      continue;
    }
    switch (kind) {
      case Kind.ContentLength: {
        // a list of equal values is one length (RFC 9110 8.6); anything else is refused
        const [from, to] = trimmed(buf, colon + 1, lineEnd);
        const n = decimal(buf, from, to);
        if (n >= 0) {
          if (!sameLength(scan, n, to - from)) return 'invalid Content-Length';
        } else {
          for (const v of valueOf(buf, colon, lineEnd).split(',')) {
            const digits = v.trim();
            if (!LENGTH.test(digits) || !sameLength(scan, Number(digits), digits.length))
              return 'invalid Content-Length';
          }
        }
        scan.kept.push(at, lineEnd + 2);
        break;
      }
      case Kind.TransferEncoding:
        (scan.codings ??= []).push(...tokens(valueOf(buf, colon, lineEnd)));
        scan.kept.push(at, lineEnd + 2);
        break;
      case Kind.Connection:
        if (valueIs(buf, colon + 1, lineEnd, 'keep-alive')) break;
        if (valueIs(buf, colon + 1, lineEnd, 'close')) scan.close = true;
        else {
          for (const t of tokens(valueOf(buf, colon, lineEnd))) {
            if (t === 'close') scan.close = true;
            else if (t === 'upgrade') scan.upgradeOption = true;
            else if (t !== 'keep-alive') (scan.otherOptions ??= new Set()).add(t);
          }
        }
        break;
      case Kind.Upgrade:
        scan.upgrade = valueOf(buf, colon, lineEnd);
        break;
      case Kind.ForwardedFor:
        if (isRequest) {
          const value = valueOf(buf, colon, lineEnd);
          scan.forwardedFor = scan.forwardedFor === undefined ? value : `${scan.forwardedFor}, ${value}`;
        } else scan.kept.push(at, lineEnd + 2);
        break;
      case Kind.ForwardedProto:
        if (!isRequest) scan.kept.push(at, lineEnd + 2);
        break;
      default: // the other hop-by-hop headers
    }
  }
  // headers the Connection header names are this hop's too (rare: usually it says close or keep-alive)
  if (scan.otherOptions !== undefined && [...scan.otherOptions].some((t) => !KNOWN_NAMES.has(t))) {
    const named = scan.otherOptions;
    const kept = scan.kept;
    scan.kept = kept.slice(0, 2);
    for (let i = 2; i < kept.length; i += 2) {
      const from = kept[i] as number;
      const name = buf.toString('latin1', from, buf.indexOf(COLON, from)).toLowerCase();
      if (!named.has(name)) scan.kept.push(from, kept[i + 1] as number);
    }
  }
  return scan;
}

/** Takes one Content-Length value; false when it differs from one before it. */
function sameLength(scan: Scan, length: number, digits: number): boolean {
  if (scan.length >= 0 && (scan.length !== length || scan.lengthDigits !== digits)) return false;
  scan.length = length;
  scan.lengthDigits = digits;
  return true;
}

/** A field value as text, without the spaces around it (a value the parser acts on: short and rare). */
function valueOf(buf: Buffer, colon: number, lineEnd: number): string {
  return buf.toString('latin1', colon + 1, lineEnd).trim();
}

function tokens(value: string): string[] {
  return value
    .toLowerCase()
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
}

/** The body's framing from Content-Length and Transfer-Encoding, or why it is ambiguous. */
function framingOf(scan: Scan, isRequest: boolean): { framing: Framing; length: number } | string {
  const { codings, length } = scan;
  if (codings !== undefined) {
    if (length >= 0) return 'both Content-Length and Transfer-Encoding';
    if (codings.at(-1) === 'chunked') return { framing: 'chunked', length: 0 };
    // a response whose last coding is not chunked runs until the connection closes; a request cannot
    return isRequest ? 'unsupported Transfer-Encoding' : { framing: 'close', length: 0 };
  }
  if (length >= 0) return { framing: length === 0 ? 'none' : 'length', length };
  return { framing: isRequest ? 'none' : 'close', length: 0 };
}

/** The end of the start line at `start` (its CR), or `end` when the head is that line alone. */
function startLineEnd(buf: Buffer, start: number, end: number): number {
  for (let i = start; i < end; i++) if (buf[i] === CR && buf[i + 1] === LF) return i;
  return end;
}

function methodOf(buf: Buffer, start: number, sp1: number): string {
  if (bytesEqual(buf, start, sp1, 'GET')) return 'GET';
  if (bytesEqual(buf, start, sp1, 'POST')) return 'POST';
  if (bytesEqual(buf, start, sp1, 'HEAD')) return 'HEAD';
  return buf.toString('latin1', start, sp1);
}

/** The lines the proxy adds to a plain request from one client address, kept for its next request. */
let lastSuffix: { address: string; bytes: Buffer } = { address: '', bytes: Buffer.alloc(0) };

function requestSuffix(
  forwardedFor: string | undefined,
  address: string,
  upgrade: string | undefined,
  http10: boolean,
): Buffer {
  const plain = forwardedFor === undefined && upgrade === undefined && !http10;
  if (plain && lastSuffix.address === address) return lastSuffix.bytes;
  const chain = forwardedFor === undefined ? address : `${forwardedFor}, ${address}`;
  let text = `x-forwarded-for: ${chain}\r\nx-forwarded-proto: http\r\n`;
  if (upgrade !== undefined) text += `connection: upgrade\r\nupgrade: ${upgrade}\r\n`;
  else if (http10) text += 'connection: close\r\n';
  const bytes = Buffer.from(`${text}\r\n`, 'latin1');
  if (plain) lastSuffix = { address, bytes };
  return bytes;
}

/**
 * Parses the request head at `buf[start, end)` (`end` is where its CR LF CR LF starts) and
 * describes the head sent to the replica: hop-by-hop headers out, `X-Forwarded-For` (the client's
 * address appended) and `X-Forwarded-Proto` in. An HTTP/1.0 request goes on as HTTP/1.0 with
 * `Connection: close`, so the replica never answers it with a chunked body.
 */
export function parseRequestHead(
  buf: Buffer,
  start: number,
  end: number,
  clientAddress: string,
): RequestHead | BadRequest {
  const lineEnd = startLineEnd(buf, start, end);
  let sp1 = start;
  while (sp1 < lineEnd && buf[sp1] !== SP) sp1++;
  let sp2 = lineEnd - 1;
  while (sp2 > sp1 && buf[sp2] !== SP) sp2--;
  if (sp1 === start || sp1 >= lineEnd || sp2 <= sp1) return new BadRequest(400, 'malformed request line');
  if (!isToken(buf, start, sp1) || !isTarget(buf, sp1 + 1, sp2)) return new BadRequest(400, 'malformed request line');
  const http10 = bytesEqual(buf, sp2 + 1, lineEnd, 'HTTP/1.0');
  if (!http10 && !bytesEqual(buf, sp2 + 1, lineEnd, 'HTTP/1.1')) {
    return new BadRequest(505, 'only HTTP/1.0 and 1.1 are served');
  }
  const method = methodOf(buf, start, sp1);
  if (method === 'CONNECT') return new BadRequest(405, 'CONNECT is not served');
  const scan = scanFields(buf, start, lineEnd, end, true);
  if (typeof scan === 'string') return new BadRequest(400, scan);
  const framing = framingOf(scan, true);
  if (typeof framing === 'string') return new BadRequest(400, framing);
  if (http10 && framing.framing === 'chunked') return new BadRequest(400, 'chunked body in an HTTP/1.0 request');
  const upgrade = scan.upgrade !== undefined && scan.upgradeOption && !http10 ? scan.upgrade : undefined;
  const suffix = requestSuffix(scan.forwardedFor, clientAddress, upgrade, http10);
  return {
    method,
    head: new OutHead(buf, scan.kept, suffix),
    framing: framing.framing,
    length: framing.length,
    keepAlive: !http10 && !scan.close,
    upgrade,
    resendable: IDEMPOTENT.has(method) && framing.framing === 'none',
    closesUpstream: http10,
  };
}

const END = Buffer.from('\r\n', 'latin1');
const CLOSE_END = Buffer.from('connection: close\r\n\r\n', 'latin1');

/** `HTTP/1.x nnn` and an optional reason: the status, or -1. */
function statusOf(buf: Buffer, start: number, lineEnd: number): number {
  const n = lineEnd - start;
  if (n < 12 || !bytesEqual(buf, start, start + 7, 'HTTP/1.') || buf[start + 8] !== SP) return -1;
  const minor = buf[start + 7];
  if (minor !== 48 && minor !== 49) return -1;
  if (n > 12 && buf[start + 12] !== SP) return -1;
  for (let i = start + 13; i < lineEnd; i++) if (buf[i] === CR || buf[i] === LF) return -1;
  let status = 0;
  for (let i = start + 9; i < start + 12; i++) {
    const d = (buf[i] as number) - 48;
    if (d < 0 || d > 9) return -1;
    status = status * 10 + d;
  }
  return status;
}

/**
 * Parses a replica's response head at `buf[start, end)` to `request` and describes the head sent
 * to the client. A body delimited by the connection's close is passed on that way: the client's
 * connection closes after it too.
 */
export function parseResponseHead(
  buf: Buffer,
  start: number,
  end: number,
  request: AskedRequest,
): ResponseHead | string {
  const lineEnd = startLineEnd(buf, start, end);
  const status = statusOf(buf, start, lineEnd);
  if (status < 0) return 'malformed status line';
  const scan = scanFields(buf, start, lineEnd, end, false);
  if (typeof scan === 'string') return scan;
  const switching = status === 101;
  if (switching && request.upgrade === undefined) return 'a 101 answer to a request that asked for no upgrade';
  let framing: { framing: Framing; length: number } | string;
  if (request.method === 'HEAD' || status < 200 || status === 204 || status === 304) {
    framing = { framing: 'none', length: 0 };
  } else {
    framing = framingOf(scan, false);
    if (typeof framing === 'string') return framing;
  }
  const interim = status < 200;
  const closeClient = !interim && (framing.framing === 'close' || !request.keepAlive);
  let suffix = closeClient ? CLOSE_END : END;
  if (switching)
    suffix = Buffer.from(`connection: upgrade\r\nupgrade: ${scan.upgrade ?? request.upgrade}\r\n\r\n`, 'latin1');
  const keepsConnection = buf[start + 7] === 49 && !request.closesUpstream && !scan.close;
  return {
    status,
    head: new OutHead(buf, scan.kept, suffix),
    framing: framing.framing,
    length: framing.length,
    reusable: keepsConnection && framing.framing !== 'close' && !switching,
    closeClient,
  };
}

/** A short plain-text answer from the proxy itself. */
export function plainAnswer(status: number, text: string, close: boolean): string {
  const reason = REASONS[status] ?? 'Error';
  const length = Buffer.byteLength(text);
  const connection = close ? 'connection: close\r\n' : '';
  return (
    `HTTP/1.1 ${status} ${reason}\r\ncontent-type: text/plain; charset=utf-8\r\n` +
    `content-length: ${length}\r\n${connection}\r\n${text}`
  );
}

const REASONS: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  405: 'Method Not Allowed',
  431: 'Request Header Fields Too Large',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
  505: 'HTTP Version Not Supported',
};
