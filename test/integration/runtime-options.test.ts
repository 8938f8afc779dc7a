import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Docker from 'dockerode';
import { TestCluster } from './helpers/cluster.js';

// A task's sysctls, supplementary groups and log rotation, through a real manager and a real
// worker on the real engine: the container sees its own kernel parameters and groups, and the
// engine rotates its log at the size asked for; a host-wide sysctl is refused at submission.

describe('sysctls, groups and log rotation on a real worker', () => {
  const c = new TestCluster();
  const docker = new Docker();
  before(async () => {
    await c.startManager();
    await c.startWorker('w1');
  });
  after(async () => {
    await c.close();
  });

  test("a task's sysctls and groups reach its container, and its log is rotated as it asked", async () => {
    const task = await c.client.submit(
      c.task('tuned', {
        command: [
          'sh',
          '-c',
          'cat /proc/sys/net/core/somaxconn /proc/sys/net/ipv4/ip_unprivileged_port_start; id -G; ' +
            // about 300 KiB of output: more than two files of 64 KiB hold
            'i=0; while [ $i -lt 3000 ]; do echo "line $i $(printf "%090d" 0)"; i=$((i+1)); done',
        ],
        sysctls: { 'net.core.somaxconn': 1024, 'net.ipv4.ip_unprivileged_port_start': '80' },
        groupAdd: ['4321'],
        logs: { maxSize: '64Ki', maxFiles: 2 },
        restartPolicy: { mode: 'never' },
      }),
    );
    const [done] = await c.allInState([task.id], 'Completed', 60_000);
    const info = await docker.getContainer(done?.containerId ?? '').inspect();
    assert.deepEqual(info.HostConfig.LogConfig, {
      Type: 'json-file',
      Config: { 'max-file': '2', 'max-size': '65536' },
    });
    assert.deepEqual(info.HostConfig.Sysctls, {
      'net.core.somaxconn': '1024',
      'net.ipv4.ip_unprivileged_port_start': '80',
    });
    const lines = (await c.logText(task.id)).trimEnd().split('\n');
    assert.equal(lines.at(-1), `line 2999 ${'0'.repeat(90)}`, 'the newest output is kept');
    assert.ok(lines.length < 3000, `the oldest was rotated away: ${lines.length} lines left of 3,003`);
    assert.ok(!lines.includes('1024'), 'the first lines went with the oldest file');

    const head = await c.client.submit(
      c.task('tuned-head', {
        command: ['sh', '-c', 'cat /proc/sys/net/core/somaxconn /proc/sys/net/ipv4/ip_unprivileged_port_start; id -G'],
        sysctls: { 'net.core.somaxconn': 1024, 'net.ipv4.ip_unprivileged_port_start': '80' },
        groupAdd: ['4321'],
        restartPolicy: { mode: 'never' },
      }),
    );
    await c.allInState([head.id], 'Completed', 60_000);
    const [somaxconn, portStart, groups] = (await c.logText(head.id)).trimEnd().split('\n');
    assert.equal(somaxconn, '1024');
    assert.equal(portStart, '80');
    assert.ok((groups ?? '').split(' ').includes('4321'), `id -G: ${groups}`);
    assert.equal((await c.client.getTask(head.id)).spec?.sysctls?.['net.core.somaxconn'], '1024');
  });

  test('a sysctl the host shares with every container is refused at submission, naming it', async () => {
    await assert.rejects(c.client.submit(c.task('host-wide', { sysctls: { 'vm.max_map_count': '262144' } })), {
      code: 'invalid_request',
      message: /^sysctls\.vm\.max_map_count must be a sysctl a container has its own copy of/,
    });
  });
});
