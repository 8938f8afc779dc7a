import { join } from 'node:path';
import type { DevFlags } from '../../../src/cli/dev-action.js';
import type { TestNetwork } from '../../../testkit/test-network.js';

/**
 * `poseidon dev`'s flags for a test: its own network, data dir under `dir` and worker name, the
 * CLI's defaults otherwise, and nothing on fixed ports (the manager's `port`: 0 for any).
 */
export function devTestFlags(net: TestNetwork, dir: string, workerName: string, port = '0'): DevFlags {
  return {
    host: '127.0.0.1',
    workerName,
    port,
    workerPort: '0',
    dataDir: join(dir, 'dev'),
    scheduler: 'roundrobin',
    engineGrace: '30s',
    dockerSocket: '/var/run/docker.sock',
    demoImage: 'poseidon/busybox:latest',
    logLevel: 'silent',
    network: net.name,
    subnet: net.subnet,
    vipRange: net.vipRange,
    subnetPool: net.subnet,
    taskNetwork: 'bridge',
    taskHistory: '5',
    plainTaskHistory: '1000',
    dnsPort: '0',
    dnsTtl: '5',
    recursion: false,
    proxyTimeout: '60',
    proxyUdpTimeout: '30',
  };
}
