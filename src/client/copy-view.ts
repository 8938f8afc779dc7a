// How current the copy a group follower answered from is, as its answer's headers say
// (src/api/copy-headers.ts): `poseidon cluster status` shows it, so an operator during an etcd
// outage sees how old what the follower knows is.

/** A follower's copy: the etcd revision it reached; while cut off from etcd, for how long. */
export interface CopyView {
  /** The etcd revision the copy had reached. */
  revision: number;
  /** Seconds since etcd last renewed the follower's lease; absent while it is in touch. */
  ageSeconds?: number;
}

/** The copy the headers describe; undefined without a revision (a leader, a lone manager, an older one). */
export function copyOf(revision: string | undefined, age: string | undefined): CopyView | undefined {
  const at = wholeNumber(revision);
  if (at === undefined) return undefined;
  const ageSeconds = wholeNumber(age);
  return ageSeconds === undefined ? { revision: at } : { revision: at, ageSeconds };
}

function wholeNumber(text: string | undefined): number | undefined {
  if (text === undefined || !/^[0-9]{1,15}$/.test(text.trim())) return undefined;
  return Number(text.trim());
}
