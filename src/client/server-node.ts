import { nodeOfSubject } from '../pki/subject.js';
import { ConnectTimedOut } from './call-errors.js';
import { connectOptions, currentTls, type TlsSource } from './tls.js';

/**
 * The node id the certificate of the server at `url` names, read from one mutual-TLS handshake
 * (the server's certificate must chain to the cluster's CA, name the URL's host and state the
 * role `tls` insists on); nothing is sent. Any worker shows its certificate so, however old.
 * node:tls loads on the first call, not with the clients every CLI command loads.
 */
export async function serverNodeId(url: string, tls: TlsSource, timeoutMs: number): Promise<string> {
  const { checkServerIdentity, connect } = await import('node:tls');
  const { hostname, port, protocol } = new URL(url);
  const host = hostname.replace(/^\[(.*)\]$/, '$1');
  const options = connectOptions(currentTls(tls), checkServerIdentity);
  return new Promise<string>((resolve, reject) => {
    const socket = connect({ host, port: Number(port === '' ? (protocol === 'http:' ? 80 : 443) : port), ...options });
    socket.setTimeout(timeoutMs, () => socket.destroy(new ConnectTimedOut(url, timeoutMs)));
    socket.once('error', reject);
    socket.once('secureConnect', () => {
      const node = nodeOfSubject(socket.getPeerCertificate().subject);
      socket.destroy();
      if (node === undefined) reject(new Error(`the certificate at ${url} names no node of this cluster`));
      else resolve(node.nodeId);
    });
  });
}
