// An http:// URL given for a server that speaks https there (every Poseidon server does): the TLS
// server closes the plain request's connection, or answers bytes that are no HTTP, which alone
// reads as "cannot reach ...: is it running?" while it runs. Told apart by one TLS handshake
// with the same host and port, made only after a call has failed so: nothing on a call that works.

/** How long the look for a TLS server behind a failed http:// call may take. */
const TLS_PROBE_MS = 3_000;

/**
 * The https:// URL to use instead of `base` (an http:// one), when the call to it failed as a
 * plain request to a TLS server fails (reset or closed before an answer, or an answer that is no
 * HTTP) and a TLS handshake there succeeds; undefined otherwise.
 */
export async function httpsInstead(base: string, err: unknown): Promise<string | undefined> {
  const url = new URL(base);
  if (url.protocol !== 'http:' || !failsAsTlsWould(err)) return undefined;
  return (await speaksTls(url)) ? `https:${base.slice('http:'.length)}` : undefined;
}

/** How a plain HTTP request to a TLS server fails: the connection closed on it, or TLS bytes where an answer goes. */
function failsAsTlsWould(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return false;
  return code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET' || code.startsWith('HPE_');
}

/** Whether a TLS handshake with `url`'s host and port completes, whoever's certificate it shows; nothing is sent. */
async function speaksTls(url: URL): Promise<boolean> {
  const { connect } = await import('node:tls');
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(url.port === '' ? 80 : url.port);
  return new Promise<boolean>((resolve) => {
    const socket = connect({ host, port, rejectUnauthorized: false }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.setTimeout(TLS_PROBE_MS, () => socket.destroy());
    socket.once('error', () => resolve(false));
    socket.once('close', () => resolve(false));
  });
}
