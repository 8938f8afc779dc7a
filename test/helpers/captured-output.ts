import type { Output } from '../../src/cli/each-name.js';

/** What `fn` printed on stdout and stderr, and the exit status it set (the one before is kept). */
export async function captured(
  fn: (io: Output) => Promise<void>,
): Promise<{ out: string; err: string; code: number | undefined }> {
  let out = '';
  let err = '';
  const before = process.exitCode;
  process.exitCode = undefined;
  try {
    await fn({ out: (text) => (out += text), err: (text) => (err += text) });
    return { out, err, code: process.exitCode === undefined ? undefined : Number(process.exitCode) };
  } finally {
    process.exitCode = before;
  }
}
