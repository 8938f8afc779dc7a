import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ServiceTaskView, ServiceView } from '../../../src/api/index.js';
import { serviceHint } from '../../../src/cli/service-hint.js';
import type { ManagerClient } from '../../../src/client/index.js';
import { ServiceNotFound, TaskNotFound } from '../../../src/errors/index.js';

// A task command given a name that is not a task's: a service's name, or a replica named as Swarm
// names one (`web.1`), gets what to type instead; any other name keeps the manager's answer.

/** A manager with one replicated service, web, of two replicas. */
const client = {
  async serviceTasks(name: string): Promise<ServiceTaskView[]> {
    if (name !== 'web') throw new ServiceNotFound(name);
    return [2, 1].map((slot) => ({ name: `web-${slot}`, slot }) as ServiceTaskView);
  },
  async getService(name: string): Promise<ServiceView> {
    if (name !== 'web') throw new ServiceNotFound(name);
    return { name, mode: 'replicated' } as ServiceView;
  },
} as unknown as ManagerClient;

const advice = (s: string, replicas: readonly string[]): string => `try ${replicas.join(' or ')} of ${s}`;

async function hint(name: string): Promise<string> {
  const err = await serviceHint(client, name, new TaskNotFound(name), advice);
  return err instanceof Error ? err.message : String(err);
}

test("a service's name: the error says what to run for it", async () => {
  assert.equal(await hint('web'), 'no task matches "web", but a service does: try web-1 or web-2 of web');
});

test("a replica named as Swarm names one (web.2, web.2.<task id>): the error names the replica's name here", async () => {
  const expected = (name: string): string =>
    `no task matches "${name}"; its replica here is web-2 (a service's replicas are named SERVICE-SLOT: ` +
    'poseidon service ps web lists them)';
  assert.equal(await hint('web.2'), expected('web.2'));
  assert.equal(await hint('web.2.k3x9q0c1vz'), expected('web.2.k3x9q0c1vz'));
});

test("any other name keeps the manager's answer: no such service, or no such slot", async () => {
  for (const name of ['db', 'db.1', 'web.3', 'web.0'])
    assert.equal(await hint(name), `no task matches "${name}"; poseidon status lists the tasks`, name);
  const other = new Error('boom');
  assert.equal(await serviceHint(client, 'web', other, advice), other, 'not a task not found: as it was');
});
