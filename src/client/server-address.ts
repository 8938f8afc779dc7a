import { InvalidField } from '../errors/index.js';

// The address of a manager or a worker as people type it: `HOST`, `HOST:PORT`, `[IPv6]:PORT` or a
// URL. Both serve https alone, so that is what an address without a scheme means; a URL is taken as
// written (`https://HOST` is port 443, and an `http://` one stays, to be answered with the hint to
// use https://). Every flag, variable and file that names a manager reads it here, and so does
// PoseidonClient's `url`: a script takes what the CLI takes. It lives with the client, which the
// CLI loads anyway, and loads nothing but the errors.

/** The port a manager's address means when it names none (the CLI's DEFAULT_MANAGER_PORT). */
export const MANAGER_PORT = 5555;

/** Anything before `://`: a URL's scheme (`https`, `http`, or one refused below). */
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;

/** What to type, for an error: the forms, with the port a HOST alone means. */
function forms(defaultPort: number | undefined): string {
  const alone = defaultPort === undefined ? '' : ` (HOST alone: port ${defaultPort})`;
  return `use HOST, HOST:PORT, [IPv6]:PORT or a URL such as https://10.0.0.5:5555${alone}`;
}

/**
 * One server's URL, normalised (`https://10.0.0.5:5555`): without a scheme https://, and without a
 * port `defaultPort`; undefined: the port must be given. `from` names the flag, variable or file in
 * the one line a bad value gets.
 */
export function serverUrl(from: string, value: string, defaultPort: number | undefined): string {
  const text = value.trim();
  const refuse = (why = forms(defaultPort)): InvalidField => new InvalidField(from, `is "${value}"; ${why}`);
  let url: URL;
  if (SCHEME.test(text)) {
    url = parseUrl(text, refuse);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw refuse('use an https:// URL, or HOST:PORT');
  } else {
    // the port as typed, not as URL keeps it: URL drops an explicit :443, which is a port given
    const at = text.search(/[/?#]/);
    const authority = at < 0 ? text : text.slice(0, at);
    const bracketed = authority.startsWith('[');
    const colons = authority.split(':').length - 1;
    if (!bracketed && colons > 1)
      throw refuse(`put an IPv6 address in brackets: [${authority}]:${defaultPort ?? 'PORT'}`);
    const afterColon = colons === 1 ? authority.slice(authority.indexOf(':') + 1) : undefined;
    const port = bracketed ? /\]:(.*)$/.exec(authority)?.[1] : afterColon;
    if (port !== undefined && !/^[0-9]{1,5}$/.test(port)) throw refuse();
    if (port === undefined && defaultPort === undefined)
      throw refuse(`it names no port: write ${authority === '' ? 'HOST' : authority}:PORT, or a URL`);
    const withPort = port === undefined ? `${authority}:${defaultPort}` : authority;
    url = parseUrl(`https://${withPort}${at < 0 ? '' : text.slice(at)}`, refuse);
  }
  return url.toString().replace(/\/$/, '');
}

function parseUrl(text: string, refuse: () => InvalidField): URL {
  try {
    return new URL(text);
  } catch {
    throw refuse();
  }
}

/**
 * One address or several, comma-separated (a group's managers, tried in turn), each as serverUrl
 * reads it; back normalised and comma-separated.
 */
export function serverUrls(from: string, value: string, defaultPort: number | undefined): string {
  const entries = value.split(',');
  if (entries.some((u) => u.trim() === ''))
    throw new InvalidField(from, `is "${value}"; use ADDRESS[,ADDRESS...] with no empty entry`);
  return entries.map((u) => serverUrl(from, u, defaultPort)).join(',');
}

/**
 * The managers `--manager`, POSEIDON_MANAGER, a saved login, `poseidon login`, `poseidon worker
 * --manager` and PoseidonClient's `url` name: a HOST alone is the manager's default port.
 */
export function managerUrls(from: string, value: string): string {
  return serverUrls(from, value, MANAGER_PORT);
}
