import assert from 'node:assert/strict';
import { test } from 'node:test';
import type Docker from 'dockerode';
import { fromInspect } from '../../../src/driver/docker/container-state.js';
import { toEvent } from '../../../src/driver/docker/event-stream.js';
import { LABEL_TASK_ID } from '../../../src/driver/labels.js';

// A container's own HEALTHCHECK (its image's), as the engine runs it: its events and its inspect.

test("the engine's health_status events become health events of the task's container", () => {
  const event = (action: string) =>
    toEvent({ Type: 'container', Action: action, Actor: { ID: 'c1', Attributes: { [LABEL_TASK_ID]: 't1' } } });
  assert.deepEqual(event('health_status: healthy'), { kind: 'health', containerId: 'c1', taskId: 't1', healthy: true });
  assert.deepEqual(event('health_status: unhealthy'), {
    kind: 'health',
    containerId: 'c1',
    taskId: 't1',
    healthy: false,
  });
  assert.equal(event('health_status: starting'), null, 'the engine sends none, and it would say nothing new');
  assert.equal(
    toEvent({ Action: 'health_status: healthy', Actor: { ID: 'c1', Attributes: {} } }),
    null,
    'not a task container',
  );
});

test("inspect tells the container's HEALTHCHECK verdict and its last output; none when it has no HEALTHCHECK", () => {
  const info = (health?: object): Docker.ContainerInspectInfo =>
    ({
      Id: 'c1',
      Config: { Labels: { [LABEL_TASK_ID]: 't1' }, Image: 'img', Cmd: [] },
      State: {
        Running: true,
        Restarting: false,
        StartedAt: '2026-12-05T10:00:00Z',
        OOMKilled: false,
        Error: '',
        ...(health === undefined ? {} : { Health: health }),
      },
      NetworkSettings: { Ports: {}, Networks: {} },
    }) as unknown as Docker.ContainerInspectInfo;
  assert.equal(fromInspect(info()).engineHealth, undefined);
  assert.deepEqual(fromInspect(info({ Status: 'starting', FailingStreak: 0, Log: [] })).engineHealth, {
    status: 'starting',
    lastOutput: '',
  });
  const failing = { Status: 'unhealthy', Log: [{ Output: 'ok\n' }, { Output: 'no /tmp/ok\n' }] };
  assert.deepEqual(fromInspect(info(failing)).engineHealth, { status: 'unhealthy', lastOutput: 'no /tmp/ok' });
  assert.equal(fromInspect(info({ Status: 'none' })).engineHealth, undefined, 'HEALTHCHECK NONE');
});
