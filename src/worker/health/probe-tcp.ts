import { connect } from 'node:net';
import type { Clock } from '../../clock/index.js';
import { runProbe, type Prober } from './prober.js';

/** Healthy when a TCP connection to the container's own address and port opens; it is closed at once. */
export function tcpProber(clock: Clock): Prober {
  return {
    probe: (target, check, signal) =>
      runProbe(clock, signal, check.timeoutMs, async (deadline) => {
        if (target.ipAddress === '') return { healthy: false, output: 'the container has no IP address to connect to' };
        await open(target.ipAddress, check.port, deadline);
        return { healthy: true, output: `connected to ${target.ipAddress}:${check.port}` };
      }),
  };
}

function open(host: string, port: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, signal });
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('error', reject);
  });
}
