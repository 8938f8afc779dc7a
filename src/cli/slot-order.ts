// `service ps`' order, for its table (service-format.ts) and its --format and -f (service-ps.ts):
// each slot's live tasks, then the ended ones it keeps, the last to end first; slots in order.

/** A live task, or an ended one with the slot it is listed under. */
export type SlotEntry<L, E> = { live: L } | { ended: E; slot: number };

export function slotOrder<L extends { id: string; slot: number }, E extends HistoryEntry>(
  tasks: readonly L[],
  history: readonly E[],
): Array<SlotEntry<L, E>> {
  const live = new Set(tasks.map((t) => t.id));
  // by slot in one pass each (a service may have 10,000 slots)
  const bySlot = new Map<number, { live: L[]; ended: E[] }>();
  const of = (slot: number): { live: L[]; ended: E[] } => {
    let rows = bySlot.get(slot);
    if (rows === undefined) bySlot.set(slot, (rows = { live: [], ended: [] }));
    return rows;
  };
  for (const t of tasks) of(t.slot).live.push(t);
  for (const t of history) if (!live.has(t.id)) of(t.slot ?? 0).ended.push(t);
  const entries: Array<SlotEntry<L, E>> = [];
  for (const [slot, { live: liveTasks, ended }] of [...bySlot].sort(([a], [b]) => a - b)) {
    entries.push(...liveTasks.map((t) => ({ live: t })));
    ended.sort((a, b) => ((a.finishedAt ?? '') < (b.finishedAt ?? '') ? 1 : -1));
    entries.push(...ended.map((t) => ({ ended: t, slot })));
  }
  return entries;
}

/** What the order reads of an ended task. */
interface HistoryEntry {
  id: string;
  slot?: number | undefined;
  finishedAt?: string | null | undefined;
}
