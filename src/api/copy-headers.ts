// TypeBox-free, so the CLI's client can read them without loading the schemas (src/cli/ must not).

/** On a read a follower answered from its copy: the revision its copy had reached (as Consul's stale reads say). */
export const COPY_REVISION_HEADER = 'x-poseidon-copy-revision';

/**
 * On a follower's `/status` while it is out of touch with etcd: for how many seconds etcd has not
 * renewed its lease, so for how long its copy of the tokens (the caller's was checked against it)
 * may lack a revocation. `/status` is the one call it answers so (every other goes to the leader).
 */
export const COPY_AGE_HEADER = 'x-poseidon-copy-age';
