import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManagerJoinRefused, openBundle, sealBundle } from '../../../../src/manager/group/pki-bundle.js';
import { newJoinSecret } from '../../../../src/pki/index.js';

// A manager joins a group with the manager join token, which opens the CA the group sealed in
// etcd. The data dir holds two tokens of one form (PSDN-1-<CA hash>-<secret>), and the workers'
// join-token is the one the README shows first: given it, a manager was told only "check
// --join-token". The refusal names the file to take it from, and the one it is not.

test("a bundle opened with another secret (the workers' join token, say) is refused naming the right file", async () => {
  const caHash = 'a'.repeat(64);
  const managerSecret = newJoinSecret();
  const workerSecret = newJoinSecret();
  const sealed = await sealBundle(
    { caCertPem: 'cert', caKeyPem: 'key', workerJoinSecret: workerSecret },
    caHash,
    managerSecret,
  );
  assert.equal((await openBundle(sealed, managerSecret)).workerJoinSecret, workerSecret);
  await assert.rejects(openBundle(sealed, workerSecret), (err: unknown) => {
    assert.ok(err instanceof ManagerJoinRefused, String(err));
    assert.match(err.message, /does not open this group's CA \(it does not decrypt\)/);
    assert.match(err.message, /<data-dir>\/manager-join-token, not the workers' <data-dir>\/join-token/);
    return true;
  });
});
