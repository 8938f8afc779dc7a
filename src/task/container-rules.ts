// The rules of a task's container options that the CLI and Compose check before sending, as the
// spec checks them: a hostname, /etc/hosts entries, ulimits and Linux capabilities, each in the
// forms `docker run` takes. No TypeBox and no Node here, so CLI modules and the web console (which
// shows a task's spec with src/cli/spec-rows.ts) may import it; an entry's address is checked in
// extra-host.ts, with Node's isIP.

/** A host name as the kernel keeps one (64 bytes with its NUL): dot-separated labels of letters, digits and `-`. */
export const HOSTNAME_PATTERN =
  '^(?=.{1,63}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$';
export const HOSTNAME_RULE =
  'must be a host name of at most 63 characters: letters, digits and "-", in labels separated by dots';
const HOSTNAME = new RegExp(HOSTNAME_PATTERN);

export function isHostname(text: string): boolean {
  return HOSTNAME.test(text);
}

/** Docker's address for "the node this container runs on" in an /etc/hosts entry. */
export const HOST_GATEWAY = 'host-gateway';

/** Most /etc/hosts entries a task adds. */
export const MAX_EXTRA_HOSTS = 64;

export const EXTRA_HOST_RULE =
  `must be NAME:ADDRESS (an IPv4 or IPv6 address, or ${HOST_GATEWAY}: the node), ` + 'such as "db.internal:10.0.0.5"';

/**
 * An /etc/hosts entry split as `docker run --add-host` takes it (`db:10.0.0.5`, `db=10.0.0.5`,
 * `v6:2001:db8::1`, `gw:host-gateway`): its name, a host name, and its address, not yet checked
 * (normalExtraHost in extra-host.ts checks it); undefined when it has no such name.
 */
export function extraHostParts(text: string): { name: string; address: string } | undefined {
  const t = text.trim();
  const at = /^[^:=]+[:=]/.exec(t)?.[0].length;
  if (at === undefined) return undefined;
  const name = t.slice(0, at - 1).trim();
  const address = t
    .slice(at)
    .trim()
    .replace(/^\[(.*)\]$/, '$1');
  return isHostname(name) ? { name, address } : undefined;
}

/** The resource limits a container's processes can be given (`docker run --ulimit`), as setrlimit names them. */
export const ULIMIT_NAMES = [
  'core',
  'cpu',
  'data',
  'fsize',
  'locks',
  'memlock',
  'msgqueue',
  'nice',
  'nofile',
  'nproc',
  'rss',
  'rtprio',
  'rttime',
  'sigpending',
  'stack',
] as const;
export type UlimitName = (typeof ULIMIT_NAMES)[number];

export function isUlimitName(text: string): text is UlimitName {
  return (ULIMIT_NAMES as readonly string[]).includes(text);
}

export const ULIMIT_NAME_RULE = `must be one of ${ULIMIT_NAMES.join(', ')}`;

/** Whether a limit's soft value is above its hard one, -1 being unlimited (setrlimit refuses that). */
export function isSoftAboveHard(soft: number, hard: number): boolean {
  return hard !== -1 && (soft === -1 || soft > hard);
}

/** Linux's capabilities, as Docker names them (without `CAP_`); `ALL` stands for every one. */
export const CAPABILITIES = [
  'AUDIT_CONTROL',
  'AUDIT_READ',
  'AUDIT_WRITE',
  'BLOCK_SUSPEND',
  'BPF',
  'CHECKPOINT_RESTORE',
  'CHOWN',
  'DAC_OVERRIDE',
  'DAC_READ_SEARCH',
  'FOWNER',
  'FSETID',
  'IPC_LOCK',
  'IPC_OWNER',
  'KILL',
  'LEASE',
  'LINUX_IMMUTABLE',
  'MAC_ADMIN',
  'MAC_OVERRIDE',
  'MKNOD',
  'NET_ADMIN',
  'NET_BIND_SERVICE',
  'NET_BROADCAST',
  'NET_RAW',
  'PERFMON',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYSLOG',
  'SYS_ADMIN',
  'SYS_BOOT',
  'SYS_CHROOT',
  'SYS_MODULE',
  'SYS_NICE',
  'SYS_PACCT',
  'SYS_PTRACE',
  'SYS_RAWIO',
  'SYS_RESOURCE',
  'SYS_TIME',
  'SYS_TTY_CONFIG',
  'WAKE_ALARM',
] as const;

/**
 * What Docker gives every container (Engine 20.10's default set): adding one of these changes
 * nothing, so a worker need not allow it.
 */
export const DEFAULT_CAPABILITIES: readonly string[] = [
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'NET_RAW',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
];

/** Most capabilities a task names in capAdd or capDrop. */
export const MAX_CAPABILITIES = 64;

export const CAPABILITY_RULE = 'must be a Linux capability such as "NET_ADMIN" (or "CAP_NET_ADMIN"), or "ALL"';

/** "net_admin", "CAP_NET_ADMIN" and "NET_ADMIN" as "NET_ADMIN"; "all" as "ALL"; undefined for anything else. */
export function normalCapability(text: string): string | undefined {
  const upper = text.trim().toUpperCase();
  const name = upper.startsWith('CAP_') ? upper.slice('CAP_'.length) : upper;
  return name === 'ALL' || (CAPABILITIES as readonly string[]).includes(name) ? name : undefined;
}

/**
 * Each of `texts` as Docker names it, once, in order. The first that names no capability is
 * refused with the error `refuse` makes of it and its index (each edge words its own: a field, a
 * flag, a Compose path).
 */
export function normalCapabilities(texts: readonly string[], refuse: (text: string, index: number) => Error): string[] {
  const out: string[] = [];
  texts.forEach((text, i) => {
    const cap = normalCapability(text);
    if (cap === undefined) throw refuse(text, i);
    if (!out.includes(cap)) out.push(cap);
  });
  return out;
}

/**
 * The capabilities of `capAdd` a worker must allow (`--allow-cap`): those beyond Docker's
 * default set; `ALL` when it asks for every one.
 */
export function privilegedCapabilities(capAdd: readonly string[]): string[] {
  return capAdd.filter((c) => !DEFAULT_CAPABILITIES.includes(c));
}

/** Whether a worker that allows `allowed` (`--allow-cap`; `ALL`: any) may give a task `cap`. */
export function isCapabilityAllowed(cap: string, allowed: readonly string[]): boolean {
  return DEFAULT_CAPABILITIES.includes(cap) || allowed.includes('ALL') || allowed.includes(cap);
}
