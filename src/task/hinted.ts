import type { TSchema } from '@sinclair/typebox';

/** The schema with the words a refusal says when a value does not match it (validate.ts reads `hint`). */
export const hinted = <T extends TSchema>(schema: T, hint: string): T => ({ ...schema, hint });
