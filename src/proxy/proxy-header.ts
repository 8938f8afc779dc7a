import { isIPv4, isIPv6 } from 'node:net';

// The PROXY protocol header (haproxy's proxy-protocol.txt, versions 1 and 2) the proxy sends a
// replica before the client's bytes, so the replica sees the client's address and the address it
// connected to, not the proxy's.

export interface ConnectionAddresses {
  sourceAddress: string | undefined;
  sourcePort: number | undefined;
  destinationAddress: string | undefined;
  destinationPort: number | undefined;
}

const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);

/** An IPv4-mapped IPv6 address (`::ffff:1.2.3.4`) as the IPv4 address it maps. */
function unmapped(address: string | undefined): string | undefined {
  return address?.startsWith('::ffff:') === true && isIPv4(address.slice(7)) ? address.slice(7) : address;
}

function family(a: ConnectionAddresses): 4 | 6 | null {
  const src = unmapped(a.sourceAddress);
  const dst = unmapped(a.destinationAddress);
  if (src === undefined || dst === undefined || a.sourcePort === undefined || a.destinationPort === undefined) {
    return null;
  }
  if (isIPv4(src) && isIPv4(dst)) return 4;
  if (isIPv6(src) && isIPv6(dst)) return 6;
  return null;
}

/** `PROXY TCP4 <src> <dst> <sport> <dport>\r\n`, or `PROXY UNKNOWN\r\n` when an address is unknown. */
export function proxyHeaderV1(a: ConnectionAddresses): Buffer {
  const f = family(a);
  if (f === null) return Buffer.from('PROXY UNKNOWN\r\n', 'latin1');
  const addresses = `${unmapped(a.sourceAddress)} ${unmapped(a.destinationAddress)}`;
  return Buffer.from(`PROXY TCP${f} ${addresses} ${a.sourcePort} ${a.destinationPort}\r\n`, 'latin1');
}

function ipv4Bytes(address: string): number[] {
  return address.split('.').map(Number);
}

function ipv6Bytes(address: string): number[] {
  const [head = '', tail] = address.split('::') as [string, string | undefined];
  const parse = (part: string): number[] => (part === '' ? [] : part.split(':').map((h) => parseInt(h, 16)));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  const words = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  return words.flatMap((w) => [w >> 8, w & 0xff]);
}

/** The binary v2 header: PROXY command, TCP over IPv4 or IPv6, or LOCAL when an address is unknown. */
export function proxyHeaderV2(a: ConnectionAddresses): Buffer {
  const f = family(a);
  if (f === null) return Buffer.concat([V2_SIGNATURE, Buffer.from([0x20, 0x00, 0x00, 0x00])]);
  const src = unmapped(a.sourceAddress) as string;
  const dst = unmapped(a.destinationAddress) as string;
  const bytes = f === 4 ? [...ipv4Bytes(src), ...ipv4Bytes(dst)] : [...ipv6Bytes(src), ...ipv6Bytes(dst)];
  const ports = Buffer.alloc(4);
  ports.writeUInt16BE(a.sourcePort as number, 0);
  ports.writeUInt16BE(a.destinationPort as number, 2);
  const length = bytes.length + 4;
  const head = Buffer.from([0x21, f === 4 ? 0x11 : 0x21, length >> 8, length & 0xff]);
  return Buffer.concat([V2_SIGNATURE, head, Buffer.from(bytes), ports]);
}
