// HTTP/1.x message heads as the http mode forwards them (RFC 9110, 9112): parsed strictly enough
// that the proxy and the replica cannot disagree on where a message ends (no request smuggling:
// both Content-Length and Transfer-Encoding, an unknown transfer coding, differing lengths, a
// folded or malformed header line are refused), and rebuilt without hop-by-hop headers. Bodies
// pass through byte for byte; only the heads are re-written.

/** How a message's body is delimited. */
export type Framing = 'none' | 'length' | 'chunked' | 'close';

/** A request head as forwarded: `head` is the text sent to the replica, CRLF CRLF included. */
export interface RequestHead {
  method: string;
  head: string;
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

export interface ResponseHead {
  status: number;
  /** The head sent to the client, CRLF CRLF included. */
  head: string;
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

const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'TRACE']);
// hop-by-hop headers (RFC 9110 7.6.1): they describe one connection, not the message
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'upgrade',
]);
/** Names the scan acts on; only a name of one of these lengths is lowercased (most are not). */
const SPECIAL = new Set([...HOP_BY_HOP, 'content-length', 'transfer-encoding', 'x-forwarded-for', 'x-forwarded-proto']);
const SPECIAL_LENGTHS = new Set([...SPECIAL].map((n) => n.length));
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const TARGET = /^[\x21-\x7e]+$/;
// a field value: visible characters, spaces and tabs (obs-text allowed), never CR, LF or NUL
const BAD_VALUE = /[\0\r\n]/;
const STATUS_LINE = /^HTTP\/1\.([01]) ([0-9]{3})(?: [^\r\n]*)?$/;
const LENGTH = /^[0-9]{1,15}$/;

/** One pass over a head's header lines: what framing and forwarding need, and the lines kept. */
interface Scan {
  /** Header lines passed on as they came, each with its CRLF. */
  kept: string;
  length: string | undefined;
  /** Transfer codings, lowercased, in order. */
  codings: string[] | undefined;
  /** Connection options, lowercased. */
  connection: Set<string> | undefined;
  upgrade: string | undefined;
  forwardedFor: string | undefined;
}

function scanFields(text: string, from: number, isRequest: boolean): Scan | string {
  const scan: Scan = {
    kept: '',
    length: undefined,
    codings: undefined,
    connection: undefined,
    upgrade: undefined,
    forwardedFor: undefined,
  };
  let at = from;
  while (at < text.length) {
    let end = text.indexOf('\r\n', at);
    if (end < 0) end = text.length;
    const line = text.slice(at, end);
    at = end + 2;
    const colon = line.indexOf(':');
    if (colon <= 0) return 'malformed header line';
    const name = line.slice(0, colon);
    if (!TOKEN.test(name)) return 'malformed header name'; // also a space before the colon, or a folded line
    const value = line.slice(colon + 1).trim();
    if (BAD_VALUE.test(value)) return 'malformed header value';
    const lower = SPECIAL_LENGTHS.has(name.length) ? name.toLowerCase() : '';
    if (!SPECIAL.has(lower)) {
      scan.kept += `${line}\r\n`;
      continue;
    }
    switch (lower) {
      case 'content-length':
        // a list of equal values is one length (RFC 9110 8.6); anything else is refused
        for (const v of value.split(',')) {
          const n = v.trim();
          if (!LENGTH.test(n) || (scan.length !== undefined && scan.length !== n)) return 'invalid Content-Length';
          scan.length = n;
        }
        scan.kept += `${line}\r\n`;
        break;
      case 'transfer-encoding':
        (scan.codings ??= []).push(...tokens(value));
        scan.kept += `${line}\r\n`;
        break;
      case 'connection':
        for (const t of tokens(value)) (scan.connection ??= new Set()).add(t);
        break;
      case 'upgrade':
        scan.upgrade = value;
        break;
      case 'x-forwarded-for':
        if (isRequest) scan.forwardedFor = scan.forwardedFor === undefined ? value : `${scan.forwardedFor}, ${value}`;
        else scan.kept += `${line}\r\n`;
        break;
      case 'x-forwarded-proto':
        if (!isRequest) scan.kept += `${line}\r\n`;
        break;
      default: // the other hop-by-hop headers
    }
  }
  // headers the Connection header names are this hop's too (rare: usually it says close or keep-alive)
  if (scan.connection !== undefined && [...scan.connection].some((t) => !SPECIAL.has(t) && t !== 'close')) {
    const named = scan.connection;
    scan.kept = scan.kept
      .split('\r\n')
      .filter((line) => line !== '' && !named.has(line.slice(0, line.indexOf(':')).toLowerCase()))
      .map((line) => `${line}\r\n`)
      .join('');
  }
  return scan;
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
    if (length !== undefined) return 'both Content-Length and Transfer-Encoding';
    if (codings.at(-1) === 'chunked') return { framing: 'chunked', length: 0 };
    // a response whose last coding is not chunked runs until the connection closes; a request cannot
    return isRequest ? 'unsupported Transfer-Encoding' : { framing: 'close', length: 0 };
  }
  if (length !== undefined) {
    const n = Number(length);
    return { framing: n === 0 ? 'none' : 'length', length: n };
  }
  return { framing: isRequest ? 'none' : 'close', length: 0 };
}

const NO_FIELDS = (): Scan => ({
  kept: '',
  length: undefined,
  codings: undefined,
  connection: undefined,
  upgrade: undefined,
  forwardedFor: undefined,
});

/**
 * Parses a request head (`text` ends before its blank line, latin1) and builds the head sent to
 * the replica: hop-by-hop headers out, `X-Forwarded-For` (the client's address appended) and
 * `X-Forwarded-Proto` in. An HTTP/1.0 request goes on as HTTP/1.0 with `Connection: close`, so the
 * replica never answers it with a chunked body.
 */
export function parseRequestHead(text: string, clientAddress: string): RequestHead | BadRequest {
  const lineEnd = text.indexOf('\r\n');
  const requestLine = lineEnd < 0 ? text : text.slice(0, lineEnd);
  const sp1 = requestLine.indexOf(' ');
  const sp2 = requestLine.lastIndexOf(' ');
  if (sp1 <= 0 || sp2 <= sp1) return new BadRequest(400, 'malformed request line');
  const method = requestLine.slice(0, sp1);
  const target = requestLine.slice(sp1 + 1, sp2);
  const version = requestLine.slice(sp2 + 1);
  if (!TOKEN.test(method) || !TARGET.test(target)) return new BadRequest(400, 'malformed request line');
  if (version !== 'HTTP/1.1' && version !== 'HTTP/1.0') return new BadRequest(505, 'only HTTP/1.0 and 1.1 are served');
  if (method === 'CONNECT') return new BadRequest(405, 'CONNECT is not served');
  const scan = lineEnd < 0 ? NO_FIELDS() : scanFields(text, lineEnd + 2, true);
  if (typeof scan === 'string') return new BadRequest(400, scan);
  const framing = framingOf(scan, true);
  if (typeof framing === 'string') return new BadRequest(400, framing);
  const http10 = version === 'HTTP/1.0';
  if (http10 && framing.framing === 'chunked') return new BadRequest(400, 'chunked body in an HTTP/1.0 request');
  const forwardedFor = scan.forwardedFor === undefined ? clientAddress : `${scan.forwardedFor}, ${clientAddress}`;
  let head = `${requestLine}\r\n${scan.kept}x-forwarded-for: ${forwardedFor}\r\nx-forwarded-proto: http\r\n`;
  const upgrading = scan.upgrade !== undefined && scan.connection?.has('upgrade') === true && !http10;
  if (upgrading) head += `connection: upgrade\r\nupgrade: ${scan.upgrade}\r\n`;
  else if (http10) head += 'connection: close\r\n';
  head += '\r\n';
  return {
    method,
    head,
    framing: framing.framing,
    length: framing.length,
    keepAlive: !http10 && scan.connection?.has('close') !== true,
    upgrade: upgrading ? scan.upgrade : undefined,
    resendable: IDEMPOTENT.has(method) && framing.framing === 'none',
    closesUpstream: http10,
  };
}

/**
 * Parses a replica's response head (before its blank line) to `request` and builds the head sent
 * to the client. A body delimited by the connection's close is passed on that way: the client's
 * connection closes after it too.
 */
export function parseResponseHead(text: string, request: RequestHead): ResponseHead | string {
  const lineEnd = text.indexOf('\r\n');
  const statusLine = lineEnd < 0 ? text : text.slice(0, lineEnd);
  const m = STATUS_LINE.exec(statusLine);
  if (m === null) return 'malformed status line';
  const status = Number(m[2]);
  const scan = lineEnd < 0 ? NO_FIELDS() : scanFields(text, lineEnd + 2, false);
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
  let head = `${statusLine}\r\n${scan.kept}`;
  const interim = status < 200;
  const closeClient = !interim && (framing.framing === 'close' || !request.keepAlive);
  if (switching) head += `connection: upgrade\r\nupgrade: ${scan.upgrade ?? request.upgrade}\r\n`;
  else if (closeClient) head += 'connection: close\r\n';
  head += '\r\n';
  const keepsConnection = m[1] === '1' && !request.closesUpstream && scan.connection?.has('close') !== true;
  return {
    status,
    head,
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
