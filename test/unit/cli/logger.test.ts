import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { rootLogger } from '../../../src/cli/logger.js';

test('the root logger never writes an Authorization header, a cookie or a field named token', () => {
  const out: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      out.push(chunk.toString('utf8'));
      done();
    },
  });
  const log = rootLogger('debug', sink).child({ component: 'manager' });
  const secret = 'psdn_0123456789ab_s3cr3t';
  log.info({ req: { method: 'GET', headers: { authorization: `Bearer ${secret}`, cookie: secret } } }, 'request');
  log.info({ headers: { authorization: `Bearer ${secret}` } }, 'call');
  log.info({ authorization: `Bearer ${secret}`, token: secret, tokenId: '0123456789ab' }, 'token created');
  const text = out.join('');
  assert.equal(out.length, 3);
  assert.ok(!text.includes('s3cr3t'), text);
  assert.ok(text.includes('"tokenId":"0123456789ab"'), 'the id is not a secret');
  assert.equal((JSON.parse(out[2] ?? '{}') as { token?: string }).token, '[redacted]');
});

test('a level pino does not have is refused naming the flag or the variable and the levels, not a crash in pino', () => {
  const saved = process.env.POSEIDON_LOG_LEVEL;
  try {
    assert.throws(() => rootLogger('loud'), {
      name: 'InvalidField',
      message: '--log-level is "loud"; use one of trace, debug, info, warn, error, fatal, silent',
    });
    process.env.POSEIDON_LOG_LEVEL = 'verbose';
    assert.throws(() => rootLogger(undefined), {
      name: 'InvalidField',
      message: 'POSEIDON_LOG_LEVEL is "verbose"; use one of trace, debug, info, warn, error, fatal, silent',
    });
    process.env.POSEIDON_LOG_LEVEL = 'warn';
    assert.equal(rootLogger(undefined).level, 'warn');
    assert.equal(rootLogger('debug').level, 'debug');
  } finally {
    if (saved === undefined) delete process.env.POSEIDON_LOG_LEVEL;
    else process.env.POSEIDON_LOG_LEVEL = saved;
  }
});
