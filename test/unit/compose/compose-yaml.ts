import { composeToServices, type ComposeOptions, type ComposeStack } from '../../../src/compose/index.js';
import { parseDocument } from '../../../src/files/index.js';

/** A Compose file's text, read as `poseidon deploy` reads it, converted for stack `app`. */
export async function fromYaml(text: string, options: Partial<ComposeOptions> = {}): Promise<ComposeStack> {
  const doc = await parseDocument(text, 'compose.yaml', '-f');
  return composeToServices(doc, { stack: 'app', baseDir: '/srv/app', ...options });
}

/** The message of what `fn` throws (it must throw). */
export async function messageOf(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected an error');
}
