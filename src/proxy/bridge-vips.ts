import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { VipAddresses } from './types.js';

const run = promisify(execFile);

/**
 * Virtual IPs as /32 addresses on the Poseidon bridge (`ip addr add|del VIP/32 dev <bridge>`):
 * the host reaches them directly and containers on the bridge through it. Adding one that is
 * there and removing one that is gone both succeed, so a restarted proxy takes over its own.
 */
export function bridgeVips(bridge: string): VipAddresses {
  const ip = async (verb: 'add' | 'del', vip: string, alreadyDone: RegExp): Promise<void> => {
    try {
      await run('ip', ['addr', verb, `${vip}/32`, 'dev', bridge], { timeout: 10_000 });
    } catch (err) {
      const stderr = String((err as { stderr?: unknown }).stderr ?? '');
      if (alreadyDone.test(stderr)) return;
      throw new Error(`ip addr ${verb} ${vip}/32 dev ${bridge} failed: ${stderr.trim() || String(err)}`, {
        cause: err,
      });
    }
  };
  return {
    add: (vip) => ip('add', vip, /File exists|already assigned/i),
    remove: (vip) => ip('del', vip, /Cannot assign requested address|not found/i),
  };
}
