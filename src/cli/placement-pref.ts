import type { PlacementPreference } from '../api/index.js';
import { InvalidField } from '../errors/index.js';
import { isNodeLabelKey } from '../task/constraint.js';

// `--placement-pref spread=node.labels.zone`, as `docker service create|update` take it: the
// label whose values a service's replicas go evenly over first. Kept apart from src/api, whose
// schemas load TypeBox, which a CLI command does not.

/** As MAX_PREFERENCES (src/api/service.ts; a unit test keeps them equal): spread levels a service may give. */
export const MAX_PLACEMENT_PREFS = 2;

const SPREAD = /^spread=node\.labels\.(.*)$/;

/** One `spread=node.labels.KEY`, as the manager keeps it: `{spread: "node.labels.KEY"}`. */
export function placementPrefOf(flag: string, text: string): PlacementPreference {
  const key = SPREAD.exec(text)?.[1];
  if (key === undefined || !isNodeLabelKey(key))
    throw new InvalidField(
      flag,
      `is ${JSON.stringify(text)}; use spread=node.labels.KEY with a node label's key, such as spread=node.labels.zone`,
    );
  return { spread: `node.labels.${key}` };
}

/** `--placement-pref`, repeatable: in the order given (the first weighs most), each once, within the limit. */
export function placementPrefsFlag(flag: string, values: readonly string[]): PlacementPreference[] {
  const prefs = values.map((text) => placementPrefOf(flag, text));
  const twice = prefs.find((p, i) => prefs.findIndex((q) => q.spread === p.spread) !== i);
  if (twice !== undefined) throw new InvalidField(flag, `gives spread=${twice.spread} twice; give each label once`);
  if (prefs.length > MAX_PLACEMENT_PREFS)
    throw new InvalidField(flag, `is given ${prefs.length} times; at most ${MAX_PLACEMENT_PREFS}`);
  return prefs;
}

/** "node.labels.zone, then node.labels.rack": the order they weigh in. */
export function spreadText(prefs: readonly PlacementPreference[]): string {
  return prefs.map((p) => p.spread).join(', then ');
}
