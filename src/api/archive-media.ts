// TypeBox-free, so the CLI's client can say it without loading the schemas (src/cli/ must not).

/** The media type of an archive (`poseidon cp`), both ways. */
export const TAR_MEDIA_TYPE = 'application/x-tar';
