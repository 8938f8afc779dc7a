import { InvalidField } from '../errors/index.js';

// Node labels and the rules a task's node must meet. A label is set by the worker (`--label
// zone=a`), sent at register and kept in the node's record; a rule is parsed once, at submission,
// into a ConstraintRule the scheduler matches without parsing again.

/** A node label key: 1 to 63 letters, digits, ".", "_" or "-", starting and ending with a letter or digit. */
export const NODE_LABEL_KEY_PATTERN = '^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$';
/** A node label value: up to 63 letters, digits, ".", "_" or "-" (empty allowed). */
export const NODE_LABEL_VALUE_PATTERN = '^[A-Za-z0-9._-]{0,63}$';
/** Labels one node may carry. */
export const MAX_NODE_LABELS = 32;

const KEY = new RegExp(NODE_LABEL_KEY_PATTERN);
const VALUE = new RegExp(NODE_LABEL_VALUE_PATTERN);

const LABEL_KEY_RULE = '1 to 63 letters, digits, ".", "_" or "-", starting and ending with a letter or digit';
export const NODE_LABEL_RULE = `must be key=value: a key of ${LABEL_KEY_RULE}, and a value of up to 63 of the same`;

export function isNodeLabelKey(key: string): boolean {
  return KEY.test(key);
}

export function isNodeLabelValue(value: string): boolean {
  return VALUE.test(value);
}

/** What a rule compares: a label of the node, its name or its id. */
export type ConstraintAttribute = 'label' | 'name' | 'id';

/** A parsed constraint: `node.labels.<key> <op> <value>`, `node.name <op> <value>`, `node.id <op> <value>`. */
export interface ConstraintRule {
  attribute: ConstraintAttribute;
  /** The label key for `label`; '' otherwise. */
  key: string;
  op: '==' | '!=';
  value: string;
}

export const CONSTRAINT_RULE =
  'must be a rule such as "node.labels.zone == a" or "node.name != n2" (node.labels.<key>, node.name or node.id, ' +
  'then == or !=, then a value)';

const RULE = /^\s*node\.(?:labels\.([^\s=!]+)|(name|id))\s*(==|!=)\s*(\S*)\s*$/;

/** Parses one rule; throws InvalidField naming `field` ("constraints[0]") when it is not one. */
export function parseConstraint(field: string, text: string): ConstraintRule {
  const m = RULE.exec(text);
  const shown = JSON.stringify(text.length > 80 ? `${text.slice(0, 77)}...` : text);
  if (m === null) throw new InvalidField(field, `${CONSTRAINT_RULE} (got ${shown})`);
  const [, labelKey, attr, op, value = ''] = m;
  if (labelKey !== undefined && !isNodeLabelKey(labelKey))
    throw new InvalidField(field, `names the label key ${JSON.stringify(labelKey)}; a key is ${LABEL_KEY_RULE}`);
  if (!isNodeLabelValue(value) || (attr !== undefined && value === ''))
    throw new InvalidField(field, `compares with ${JSON.stringify(value)}; ${CONSTRAINT_RULE} (got ${shown})`);
  return {
    attribute: labelKey !== undefined ? 'label' : attr === 'id' ? 'id' : 'name',
    key: labelKey ?? '',
    op: op === '!=' ? '!=' : '==',
    value,
  };
}

/** The rule as people write it: `node.labels.zone == a`. */
export function describeConstraint(rule: ConstraintRule): string {
  const subject = rule.attribute === 'label' ? `node.labels.${rule.key}` : `node.${rule.attribute}`;
  return `${subject} ${rule.op} ${rule.value}`;
}

/** What a rule is matched against. */
export interface ConstrainedNode {
  id: string;
  name: string;
  labels?: Readonly<Record<string, string>>;
}

/**
 * Whether the node meets the rule. A node without the label does not equal any value, and so
 * meets every `!=` on it (as Swarm's constraints read).
 */
export function meetsConstraint(rule: ConstraintRule, node: ConstrainedNode): boolean {
  let actual: string | undefined;
  if (rule.attribute === 'label')
    actual = node.labels !== undefined && Object.hasOwn(node.labels, rule.key) ? node.labels[rule.key] : undefined;
  else actual = rule.attribute === 'id' ? node.id : node.name;
  return rule.op === '==' ? actual === rule.value : actual !== rule.value;
}

/**
 * Parses `key=value` flags (`poseidon worker --label zone=a`) into a label record; throws
 * InvalidField naming `flag` for a bad one, a key given twice, or too many.
 */
export function parseNodeLabels(flag: string, items: readonly string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  if (items.length > MAX_NODE_LABELS)
    throw new InvalidField(flag, `is given ${items.length} times; a node takes at most ${MAX_NODE_LABELS} labels`);
  for (const item of items) {
    const eq = item.indexOf('=');
    const key = eq < 0 ? item : item.slice(0, eq);
    const value = eq < 0 ? '' : item.slice(eq + 1);
    const shown = JSON.stringify(item.length > 80 ? `${item.slice(0, 77)}...` : item);
    if (eq < 0 || !isNodeLabelKey(key) || !isNodeLabelValue(value))
      throw new InvalidField(flag, `${NODE_LABEL_RULE} (got ${shown})`);
    if (Object.hasOwn(labels, key)) throw new InvalidField(flag, `gives the label ${key} twice`);
    labels[key] = value;
  }
  return labels;
}

/**
 * A node's labels for people: `zone=b (node update), disk=ssd; removed by node update: gpu`, those
 * the operator set (`poseidon node update`) marked, and the worker's the operator removed named.
 */
export function nodeLabelsText(
  labels: Readonly<Record<string, string>>,
  operatorLabels: Readonly<Record<string, string | null>> = {},
): string {
  const shown = Object.entries(labels)
    .map(([k, v]) => `${k}=${v}${operatorLabels[k] !== undefined ? ' (node update)' : ''}`)
    .join(', ');
  const removed = Object.keys(operatorLabels).filter((k) => operatorLabels[k] === null);
  return [shown || '-', ...(removed.length === 0 ? [] : [`removed by node update: ${removed.join(', ')}`])].join('; ');
}
