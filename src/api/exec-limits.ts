// TypeBox-free, so the CLI can hold to the API's bounds without loading the schemas (src/cli/ must not).

/** The most input one `…/exec/{session}/input` call carries (before base64): a client sends more as more calls. */
export const MAX_EXEC_INPUT_BYTES = 32 * 1024;
