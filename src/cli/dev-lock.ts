import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidField } from '../errors/index.js';
import { parseProcessStat } from '../stats/proc-parse.js';
import { makeDataDir } from './start-places.js';

// `poseidon dev` writes its pid in its data dir while it runs: a second one on the same data dir
// (which would adopt the first one's containers) and `poseidon dev --clean` (which would remove
// them under it) are refused meanwhile. A pid file left by a process that died is ignored: one
// that no longer exists, one that is a zombie, and, on Linux, a pid now held by another process
// (after a reboot, or reused): `dev.process` beside it says when its process started, and the
// boot. (`dev.pid` holds the pid alone, as pid files do, for `kill $(cat dev.pid)`.)

function pidFile(dataDir: string): string {
  return join(dataDir, 'dev.pid');
}

function markFile(dataDir: string): string {
  return join(dataDir, 'dev.process');
}

async function words(file: string): Promise<string[]> {
  return (await readFile(file, 'utf8').catch(() => '')).trim().split(/\s+/);
}

/** The pid of a live `poseidon dev` on this data dir (not this process), if any. */
export async function runningDev(dataDir: string): Promise<number | undefined> {
  const [[pidText], [markPid, started, boot]] = await Promise.all([words(pidFile(dataDir)), words(markFile(dataDir))]);
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return undefined;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return undefined;
  }
  const now = await processMark(pid);
  if (now === undefined) return pid; // no /proc here: the pid is all there is to go by
  if (now === 'dead') return undefined;
  // a dev from before the mark was written left none
  if (markPid !== pidText || started === undefined || boot === undefined) return pid;
  return now.started === started && now.boot === boot ? pid : undefined;
}

/** Records this process as the data dir's `poseidon dev`; refused while another one runs there. */
export async function claimDataDir(dataDir: string): Promise<void> {
  const other = await runningDev(dataDir);
  if (other !== undefined)
    throw new InvalidField('--data-dir', `${dataDir} is used by another poseidon dev (pid ${other}); stop it first`);
  makeDataDir(dataDir); // a new one 0700; its stores make their own dirs private
  const mark = await processMark(process.pid);
  if (mark === undefined || mark === 'dead') await rm(markFile(dataDir), { force: true });
  else await writeFile(markFile(dataDir), `${process.pid} ${mark.started} ${mark.boot}\n`);
  await writeFile(pidFile(dataDir), `${process.pid}\n`);
}

export async function releaseDataDir(dataDir: string): Promise<void> {
  await rm(pidFile(dataDir), { force: true });
  await rm(markFile(dataDir), { force: true });
}

/** When a process started (clock ticks after boot) and which boot that was: together they name it for good. */
interface ProcessMark {
  started: string;
  boot: string;
}

/**
 * The process's mark from Linux's /proc, 'dead' for a zombie or a process that is gone, undefined
 * where there is no /proc to ask (another system).
 */
async function processMark(pid: number): Promise<ProcessMark | 'dead' | undefined> {
  const [stat, boot] = await Promise.all([
    readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined),
    readFile('/proc/sys/kernel/random/boot_id', 'utf8').catch(() => undefined),
  ]);
  if (boot === undefined) return undefined;
  if (stat === undefined) return 'dead';
  const { state, startTicks } = parseProcessStat(stat);
  return state === 'Z' || state === 'X' ? 'dead' : { started: String(startTicks), boot: boot.trim() };
}
