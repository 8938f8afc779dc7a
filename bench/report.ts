// What every benchmark's report has in common: the first line, the goal lines, and printing the
// report while writing its result file. The tables themselves are in table.ts and beside it.
import type { BenchContext } from './context.js';
import { describeMachine, type MachineInfo } from './machine.js';
import { writeResult } from './result-file.js';

/** A report's first line: what was measured, then the day (`date` is ISO) and the machine. */
export function headline(what: string, date: string, machine: MachineInfo): string {
  return `${what} — ${date.slice(0, 10)}, ${describeMachine(machine)}`;
}

/** "met" or "not met": the last word of a goal line. */
export function verdict(met: boolean): string {
  return met ? 'met' : 'not met';
}

/** "Goal: <goal>: <measured> (met)": one stated goal, what this run measured, and whether it was met. */
export function goalLine(goal: string, measured: string, met: boolean): string {
  return `Goal: ${goal}: ${measured} (${verdict(met)})`;
}

export interface Report {
  /** The result file's name and its `benchmark` field. */
  benchmark: string;
  /** When the report was made (ISO); the same as in its headline. */
  date: string;
  /** Printed on stdout, one a line. */
  lines: readonly string[];
}

/**
 * Prints the report on stdout and writes `bench/results/<benchmark>.json`: benchmark, date,
 * runId and machine, then `fields` in their order. Says where on the progress line.
 */
export async function publishReport(
  ctx: BenchContext,
  report: Report,
  fields: Readonly<Record<string, unknown>>,
): Promise<void> {
  process.stdout.write(`${report.lines.join('\n')}\n`);
  const file = await writeResult(report.benchmark, {
    benchmark: report.benchmark,
    date: report.date,
    runId: ctx.runId,
    machine: ctx.machine,
    ...fields,
  });
  ctx.progress(`${report.benchmark}: wrote ${file}`);
}
