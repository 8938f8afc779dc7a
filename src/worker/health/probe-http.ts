import { request } from 'node:http';
import type { Clock } from '../../clock/index.js';
import { runProbe, type Prober } from './prober.js';

/**
 * `GET http://<container ip>:<container port><path>`, healthy when the status is within
 * expectedStatusMin..expectedStatusMax. It goes to the container's own address, not the
 * published host port: the check is about the process in the container, and a task need not
 * publish the port at all. Redirects are not followed: a 3xx is the answer.
 */
export function httpProber(clock: Clock): Prober {
  return {
    probe: (target, check, signal) =>
      runProbe(clock, signal, check.timeoutMs, async (deadline) => {
        if (target.ipAddress === '') return { healthy: false, output: 'the container has no IP address to connect to' };
        const status = await statusOf(target.ipAddress, check.port, check.path, deadline);
        return {
          healthy: status >= check.expectedStatusMin && status <= check.expectedStatusMax,
          output: `HTTP ${status}`,
        };
      }),
  };
}

function statusOf(host: string, port: number, path: string, signal: AbortSignal): Promise<number> {
  return new Promise((resolve, reject) => {
    // agent: false is a fresh connection per check, closed after it: a pooled socket would
    // answer for a server that no longer accepts new connections
    const req = request(
      { host, port, path, method: 'GET', agent: false, signal, headers: { 'user-agent': 'poseidon-health-check' } },
      (res) => {
        resolve(res.statusCode ?? 0);
        res.destroy(); // the body is not needed, and an endless one must not hold the socket
      },
    );
    req.on('error', reject);
    req.end();
  });
}
