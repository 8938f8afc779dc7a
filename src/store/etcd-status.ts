import { Etcd3 } from 'etcd3';
import type { StoreMemberView } from '../api/index.js';

/** Each member's health, asked of that member alone (a member that is down answers nothing). */
export async function etcdMemberStatus(
  endpoints: readonly string[],
  tls: { ca: Buffer; cert?: Buffer; key?: Buffer } | undefined,
  timeoutMs = 2_000,
): Promise<StoreMemberView[]> {
  return Promise.all(
    endpoints.map(async (endpoint) => {
      const client = new Etcd3({
        hosts: endpoint,
        dialTimeout: timeoutMs,
        ...(tls === undefined
          ? {}
          : {
              credentials: {
                rootCertificate: tls.ca,
                ...(tls.cert === undefined ? {} : { certChain: tls.cert }),
                ...(tls.key === undefined ? {} : { privateKey: tls.key }),
              },
            }),
      });
      try {
        const s = await client.maintenance.status({ deadline: Date.now() + timeoutMs });
        return {
          endpoint,
          healthy: s.errors.length === 0,
          leader: s.leader === s.header.member_id,
          version: s.version,
          dbSizeBytes: Number(s.dbSize),
          error: s.errors.length === 0 ? null : s.errors.join('; '),
        };
      } catch (err) {
        const message = (err instanceof Error ? err.message : String(err)).replace(/\.?\s*Resolution note:\s*$/, '');
        return { endpoint, healthy: false, leader: false, version: null, dbSizeBytes: null, error: message };
      } finally {
        client.close();
      }
    }),
  );
}
