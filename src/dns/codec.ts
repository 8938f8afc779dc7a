import dnsPacket, { type DecodedPacket, type Packet } from 'dns-packet';
import { EDNS_PAYLOAD_BYTES } from './answer.js';

// From bytes to a query and from a reply to bytes, with the bounds a server on a shared host
// keeps: anything that does not decode as one query is dropped unanswered.

/** The largest message accepted: a query with one question is far smaller. */
export const MAX_QUERY_BYTES = 4_096;
const HEADER_BYTES = 12;
const TC = 1 << 9;
/** RFC 1035's UDP limit when the query carries no EDNS record. */
const PLAIN_UDP_BYTES = 512;

/** The query in `bytes`; undefined for anything malformed, too large, or not a query (a response). */
export function decodeQuery(bytes: Buffer): DecodedPacket | undefined {
  if (bytes.length < HEADER_BYTES || bytes.length > MAX_QUERY_BYTES) return undefined;
  if ((bytes[2] ?? 0) & 0x80) return undefined; // QR set: a response, never answered (no reflection loops)
  try {
    return dnsPacket.decode(bytes);
  } catch {
    return undefined;
  }
}

/** How large a UDP reply to `query` may be: 512 bytes, or what its EDNS record offers (at most ours). */
export function udpLimit(query: DecodedPacket): number {
  const opt = (query.additionals ?? []).find((r) => r.type === 'OPT');
  const offered = opt !== undefined && 'udpPayloadSize' in opt ? opt.udpPayloadSize : PLAIN_UDP_BYTES;
  return Math.max(PLAIN_UDP_BYTES, Math.min(offered, EDNS_PAYLOAD_BYTES));
}

/**
 * The reply's bytes within `limit`: a reply that does not fit goes out with its question and the
 * TC bit only, and the client asks again over TCP (RFC 1035 4.2.1, RFC 7766).
 */
export function encodeReply(packet: Packet, limit = Number.POSITIVE_INFINITY): Buffer {
  const bytes = dnsPacket.encode(packet);
  if (bytes.length <= limit) return bytes;
  const edns = (packet.additionals ?? []).filter((r) => r.type === 'OPT');
  return dnsPacket.encode({
    ...packet,
    flags: (packet.flags ?? 0) | TC,
    answers: [],
    authorities: [],
    additionals: edns,
  });
}
