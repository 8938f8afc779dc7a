import type { Command } from 'commander';
import { InvalidField } from '../errors/index.js';
import { managerClient, withManager } from './client-options.js';

export function registerLogs(program: Command): void {
  withManager(program.command('logs'))
    .description("print a task's container output (stdout and stderr), from whichever worker runs it")
    .argument('<id>', 'task id or unique prefix')
    .option('-f, --follow', 'keep printing new output until interrupted')
    .option('--tail <n>', 'only the last n lines')
    .action(async (id: string, flags: { manager?: string; follow?: boolean; tail?: string }) => {
      if (flags.tail !== undefined && !/^[0-9]{1,9}$/.test(flags.tail))
        throw new InvalidField('--tail', `is "${flags.tail}"; use a number of lines`);
      const client = managerClient(flags);
      const abort = new AbortController();
      process.once('SIGINT', () => abort.abort());
      const res = await client.logs(id, {
        follow: flags.follow === true,
        ...(flags.tail === undefined ? {} : { tail: Number(flags.tail) }),
        signal: abort.signal,
      });
      if (res.body === null) return;
      try {
        for await (const chunk of res.body) process.stdout.write(chunk);
      } catch (err) {
        if (!abort.signal.aborted) throw err;
      }
    });
}
