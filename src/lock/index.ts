/** Serializes async work per key (a task id): at most one operation per key at a time. */
export { KeyedLock } from './keyed-lock.js';
