import { readFileSync } from 'node:fs';
import { InvalidField } from '../errors/index.js';
import { fsProblem } from '../files/index.js';

// `poseidon manager --store`: where the manager keeps its records. `lmdb` (the default): the
// embedded store in its data dir. `etcd://host:port,host:port[/prefix]`: an etcd cluster, over TLS
// when --store-ca is given (with --store-cert and --store-key when etcd asks for a client
// certificate), under the key prefix (default /poseidon/).

export type StoreChoice =
  | { kind: 'lmdb' }
  | { kind: 'etcd'; endpoints: string[]; prefix: string; tls?: { ca: Buffer; cert?: Buffer; key?: Buffer } };

export interface StoreFlags {
  store?: string;
  storeCa?: string;
  storeCert?: string;
  storeKey?: string;
}

const DEFAULT_PREFIX = '/poseidon/';
const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):([0-9]{1,5})$/;

export function storeFlag(flags: StoreFlags): StoreChoice {
  const text = (flags.store ?? 'lmdb').trim();
  if (text === 'lmdb') {
    for (const [flag, value] of [
      ['--store-ca', flags.storeCa],
      ['--store-cert', flags.storeCert],
      ['--store-key', flags.storeKey],
    ] as const)
      if (value !== undefined) throw new InvalidField(flag, 'applies to --store etcd://… only');
    return { kind: 'lmdb' };
  }
  const m = /^etcd:\/\/([^/]+)(\/.*)?$/.exec(text);
  if (m?.[1] === undefined)
    throw new InvalidField('--store', `is "${text}"; use lmdb, or etcd://host:port,host:port[/prefix]`);
  const tls = storeTls(flags);
  const endpoints = m[1].split(',').map((hostPort) => {
    const hp = HOST_PORT.exec(hostPort.trim());
    const port = Number(hp?.[2]);
    if (hp === null || port < 1 || port > 65535)
      throw new InvalidField('--store', `has "${hostPort}"; each etcd member is host:port`);
    return `${tls === undefined ? 'http' : 'https'}://${hostPort.trim()}`;
  });
  const path = m[2] ?? DEFAULT_PREFIX;
  const prefix = path.endsWith('/') ? path : `${path}/`;
  return { kind: 'etcd', endpoints, prefix, ...(tls === undefined ? {} : { tls }) };
}

function storeTls(flags: StoreFlags): { ca: Buffer; cert?: Buffer; key?: Buffer } | undefined {
  if ((flags.storeCert === undefined) !== (flags.storeKey === undefined))
    throw new InvalidField(
      flags.storeCert === undefined ? '--store-cert' : '--store-key',
      'goes with the other: give both',
    );
  if (flags.storeCa === undefined) {
    if (flags.storeCert !== undefined) throw new InvalidField('--store-ca', 'is needed with --store-cert');
    return undefined;
  }
  return {
    ca: readPem('--store-ca', flags.storeCa),
    ...(flags.storeCert === undefined ? {} : { cert: readPem('--store-cert', flags.storeCert) }),
    ...(flags.storeKey === undefined ? {} : { key: readPem('--store-key', flags.storeKey) }),
  };
}

function readPem(flag: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new InvalidField(flag, `names ${path}, which cannot be read: ${fsProblem(err)}`);
  }
}
