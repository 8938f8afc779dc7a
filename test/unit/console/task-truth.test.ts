import assert from 'node:assert/strict';
import { test } from 'node:test';
import { taskView } from '../../../src/console/decode.js';
import { healthText } from '../../../src/task/health-text.js';
import { labelsText } from '../../../src/task/labels-text.js';
import { managerTaskView } from '../../helpers/manager-task-view.js';

// The console's task page and a service's replicas show a task's health as `poseidon status TASK`
// does (healthText): a check's verdict while its container runs, none once it ended; and the
// task's labels (labelsText), which the page renders as text.

test('the console shows a running task its verdict, and none once its container ended', () => {
  const running = taskView(managerTaskView({}));
  assert.equal(healthText(running, running.health), 'healthy');
  const ended = taskView(managerTaskView({ state: 'Completed', reason: 'exited with code 0', exitCode: 0 }));
  assert.equal(ended.health, 'healthy', 'the manager keeps the last verdict');
  assert.equal(healthText(ended, ended.health), '- (container ended)');
  const failed = taskView(
    managerTaskView({ state: 'Failed', health: { ...managerTaskView().health, status: 'unhealthy' } }),
  );
  assert.equal(healthText(failed, failed.health), '- (container ended)');
  const never = taskView(managerTaskView({ state: 'Failed', containerId: null, reason: 'image unavailable' }));
  assert.equal(healthText(never, never.health), '- (not running)', 'it never had a container');
  const pending = taskView(managerTaskView({ state: 'Pending', containerId: null }));
  assert.equal(healthText(pending, pending.health), '- (not running)');
});

test('the console reads a task labels and shows them by key; none from an older manager', () => {
  const labelled = taskView(managerTaskView({ labels: { team: 'web', env: '<script>x</script>' } }));
  assert.deepEqual(labelled.labels, { team: 'web', env: '<script>x</script>' });
  assert.equal(labelsText(labelled.labels), 'env=<script>x</script>, team=web', 'text, which the page escapes');
  const { labels: _none, ...older } = managerTaskView({});
  assert.deepEqual(taskView(older).labels, {});
  assert.equal(labelsText({}), '-');
  assert.throws(() => taskView({ ...managerTaskView({}), labels: { team: 3 } }), /labels\.team is not text/);
});
