import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { once } from 'node:events';

/** bin/poseidon.js of this checkout. */
export const POSEIDON_BIN = fileURLToPath(new URL('../../../../bin/poseidon.js', import.meta.url));

export interface PoseidonProcess {
  child: ChildProcess;
  /** The URL the server logged as listening. */
  url: string;
  /** Every line it printed so far (stdout and stderr). */
  output: string[];
  /** SIGKILL, and wait for it to be gone. */
  kill(): Promise<void>;
  /** SIGTERM, and wait for a clean exit. */
  stop(): Promise<number | null>;
}

/**
 * Starts `poseidon <args>` as a real OS process and waits until it logs a line with a `url`
 * field ("... listening"). Fails with the process's own output if it exits first.
 */
export async function startPoseidon(args: string[], env: NodeJS.ProcessEnv = {}): Promise<PoseidonProcess> {
  const child = spawn(process.execPath, [POSEIDON_BIN, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const url = await new Promise<string>((resolve, reject) => {
    let buffered = '';
    const onData = (chunk: Buffer): void => {
      buffered += chunk.toString('utf8');
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        output.push(line);
        try {
          const parsed = JSON.parse(line) as { url?: unknown; msg?: unknown };
          if (typeof parsed.url === 'string' && typeof parsed.msg === 'string' && parsed.msg.endsWith('listening'))
            resolve(parsed.url);
        } catch {
          // not a log line
        }
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) =>
      reject(
        new Error(`poseidon ${args.join(' ')} exited with ${code} before listening:\n${output.join('\n')}${buffered}`),
      ),
    );
  });
  const exited = once(child, 'exit');
  return {
    child,
    url,
    output,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      return child.exitCode;
    },
  };
}

/** Runs `poseidon <args>` to completion; returns exit code and output. */
export async function runPoseidon(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [POSEIDON_BIN, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}
