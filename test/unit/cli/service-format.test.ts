import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ServiceView } from '../../../src/api/index.js';
import { serviceTable } from '../../../src/cli/service-format.js';

const NOW = '2026-12-04T12:00:00.000Z';

function service(name: string, over: Partial<ServiceView> = {}): ServiceView {
  return {
    name,
    version: 1,
    spec: { name, replicas: 3, task: { image: 'nginx:1.27' } },
    mode: 'replicated',
    replicas: 3,
    healthy: 3,
    running: 3,
    image: 'nginx:1.27',
    update: null,
    createdAt: NOW,
    updatedAt: NOW,
    ...over,
  };
}

test('service ls: a MODE column before REPLICAS (healthy/wanted), as docker service ls has it', () => {
  const agent = service('agent', {
    spec: { name: 'agent', mode: 'global', task: { image: 'nginx:1.27' } },
    mode: 'global',
    replicas: 2,
    healthy: 1,
  });
  assert.equal(
    serviceTable([service('web'), agent]),
    [
      'NAME   VERSION  MODE        REPLICAS  IMAGE       UPDATE',
      'web    1        replicated  3/3       nginx:1.27  -',
      'agent  1        global      1/2       nginx:1.27  -',
    ].join('\n'),
  );
});

test('service ls: a view without a mode (a manager before global services) is replicated', () => {
  const { mode: _mode, ...older } = service('web');
  assert.match(serviceTable([older as ServiceView]), /^web +1 +replicated +3\/3 /m);
});
