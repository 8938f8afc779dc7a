import type { EndpointState, EndpointView, ServiceEndpointsView } from '../../../src/api/endpoints.js';
import { EndpointTable } from '../../../src/discovery/index.js';

// A host's endpoint table as the stream fills it: one snapshot of the services given.

export function endpoint(n: number, state: EndpointState, address: string | null = `10.213.0.${n}`): EndpointView {
  return { taskId: `task-${n}`, slot: n, version: 1, nodeId: 'n1', node: 'w1', state, address, ports: [] };
}

export function service(name: string, vip: string, endpoints: EndpointView[]): ServiceEndpointsView {
  return {
    service: name,
    vip,
    dnsNames: [],
    ports: [
      { name: 'http', port: 80, protocol: 'http' },
      { name: 'dns', port: 53, protocol: 'udp' },
      { name: null, port: 9000, protocol: 'tcp' },
    ],
    endpoints,
    revision: 7,
  };
}

export function tableOf(...services: ServiceEndpointsView[]): EndpointTable {
  const table = new EndpointTable();
  table.apply({ type: 'snapshot', epoch: 'e1', revision: 7, services });
  return table;
}
