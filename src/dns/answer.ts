import type { Answer, DecodedPacket, Packet, Question } from 'dns-packet';
import type { EndpointView, ServiceEndpointsView } from '../api/endpoints.js';
import { labelOfAddress, parseName, type ZoneName } from './names.js';

// The answers of the DNS server, from the host's endpoint table and nothing else: a pure function
// of a decoded query, so every rule is proven by a table of cases without a socket.

/** What the answers read: the host's EndpointTable (src/discovery) fits. */
export interface DnsTable {
  readonly revision: number;
  service(name: string): ServiceEndpointsView | undefined;
  serviceByVip(vip: string): ServiceEndpointsView | undefined;
  /** The only list of replicas ever answered. */
  ready(name: string): EndpointView[];
}

export interface AnswerOptions {
  /** `svc.poseidon.cluster`, lowercase, no trailing dot. */
  zone: string;
  /** Seconds an answer may be cached (`--dns-ttl`). */
  ttl: number;
  /** False with `--no-recursion`: names outside the zone are REFUSED, not forwarded. */
  recursion: boolean;
}

/** A reply to send, or a name outside the zone to pass on to the host's resolvers. */
export type Resolution = { kind: 'reply'; packet: Packet } | { kind: 'forward' };

export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;
const AA = 1 << 10;
const RD = 1 << 8;
const RA = 1 << 7;
const OPCODE_QUERY = 0;

export function resolve(query: DecodedPacket, table: DnsTable, opts: AnswerOptions): Resolution {
  const questions = query.questions ?? [];
  const question = questions[0];
  const opcode = ((query.flags ?? 0) >> 11) & 0xf;
  if (opcode !== OPCODE_QUERY) return reply(query, opts, RCODE.NOTIMP, false);
  if (questions.length !== 1 || question === undefined) return reply(query, opts, RCODE.FORMERR, false);
  const parsed = parseName(question.name, opts.zone);
  if (parsed.in === 'other') return opts.recursion ? { kind: 'forward' } : reply(query, opts, RCODE.REFUSED, false);
  if (parsed.in === 'reverse') {
    const service = table.serviceByVip(parsed.address);
    if (service === undefined) return opts.recursion ? { kind: 'forward' } : reply(query, opts, RCODE.REFUSED, false);
    const answers: Answer[] =
      question.type === 'PTR' || isAny(question)
        ? [{ type: 'PTR', name: question.name, ttl: opts.ttl, data: `${service.service}.${opts.zone}` }]
        : [];
    return reply(query, opts, RCODE.NOERROR, true, answers);
  }
  const found = zoneAnswers(parsed.name, question, table, opts);
  if (found === undefined) return reply(query, opts, RCODE.NXDOMAIN, true, [], [soa(table, opts)]);
  const authorities = found.answers.length === 0 ? [soa(table, opts)] : []; // NODATA carries the SOA
  return reply(query, opts, RCODE.NOERROR, true, found.answers, authorities, found.additionals);
}

/** The records of a name in the zone; undefined when the name does not exist (NXDOMAIN). */
function zoneAnswers(
  name: ZoneName,
  q: Question,
  table: DnsTable,
  opts: AnswerOptions,
): { answers: Answer[]; additionals: Answer[] } | undefined {
  const wants = (type: Question['type']): boolean => q.type === type || isAny(q);
  const a = (address: string, owner = q.name): Answer => ({ type: 'A', name: owner, ttl: opts.ttl, data: address });
  const none = { answers: [], additionals: [] };
  switch (name.kind) {
    case 'apex':
      return wants('SOA') ? { answers: [soa(table, opts)], additionals: [] } : none;
    case 'unknown':
      return undefined;
    case 'service': {
      const service = table.service(name.service);
      if (service === undefined) return undefined;
      return wants('A') ? { answers: [a(service.vip)], additionals: [] } : none;
    }
    case 'tasks': {
      if (table.service(name.service) === undefined) return undefined;
      const ready = table.ready(name.service);
      return wants('A') ? { answers: ready.map((e) => a(e.address ?? '')), additionals: [] } : none;
    }
    case 'replica': {
      const ready = table.ready(name.service).some((e) => e.address === name.address);
      if (!ready) return undefined;
      return wants('A') ? { answers: [a(name.address)], additionals: [] } : none;
    }
    case 'srv': {
      const service = table.service(name.service);
      const port = service?.ports.find((p) => p.name === name.port && transport(p.protocol) === name.protocol);
      if (service === undefined || port === undefined) return undefined;
      if (!wants('SRV')) return none;
      const answers: Answer[] = [];
      const additionals: Answer[] = [];
      for (const e of table.ready(name.service)) {
        const address = e.address ?? '';
        const target = `${labelOfAddress(address)}.tasks.${name.service}.${opts.zone}`;
        const data = { priority: 0, weight: 1, port: port.port, target };
        answers.push({ type: 'SRV', name: q.name, ttl: opts.ttl, data });
        additionals.push(a(address, target)); // the target resolves without another query
      }
      return { answers, additionals };
    }
  }
}

/** QTYPE 255 (`ANY`), which dns-packet decodes but its types do not list. */
function isAny(q: Question): boolean {
  return (q.type as string) === 'ANY';
}

function transport(protocol: 'tcp' | 'udp' | 'http'): 'tcp' | 'udp' {
  return protocol === 'udp' ? 'udp' : 'tcp';
}

function soa(table: DnsTable, opts: AnswerOptions): Answer {
  const data = {
    mname: `ns.dns.${opts.zone}`,
    rname: `hostmaster.${opts.zone}`,
    serial: table.revision % 2 ** 32,
    refresh: 60,
    retry: 10,
    expire: 600,
    minimum: opts.ttl, // a negative answer is cached as long as a positive one
  };
  return { type: 'SOA', name: opts.zone, ttl: opts.ttl, data };
}

/** A reply to `query` with its id, question and RD bit, and an EDNS record if it had one. */
export function reply(
  query: DecodedPacket,
  opts: Pick<AnswerOptions, 'recursion'>,
  rcode: number,
  authoritative: boolean,
  answers: Answer[] = [],
  authorities: Answer[] = [],
  additionals: Answer[] = [],
): { kind: 'reply'; packet: Packet } {
  const flags = (authoritative ? AA : 0) | (query.flag_rd ? RD : 0) | (opts.recursion ? RA : 0) | rcode;
  const opt = (query.additionals ?? []).some((r) => r.type === 'OPT');
  const edns: Answer[] = opt ? [ednsRecord()] : [];
  const packet: Packet = {
    type: 'response',
    id: query.id ?? 0,
    flags,
    questions: (query.questions ?? []).slice(0, 1),
    answers,
    authorities,
    additionals: [...additionals, ...edns],
  };
  return { kind: 'reply', packet };
}

function ednsRecord(): Answer {
  const record = {
    type: 'OPT',
    name: '.',
    udpPayloadSize: EDNS_PAYLOAD_BYTES,
    extendedRcode: 0,
    ednsVersion: 0,
  } as const;
  return { ...record, flags: 0, flag_do: false, options: [] };
}

/** The UDP payload this server offers over EDNS (the DNS flag day 2020 size: no fragments). */
export const EDNS_PAYLOAD_BYTES = 1232;
