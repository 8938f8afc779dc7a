import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The exec route of a manager or worker from before exec's newer fields: a body with any field
 * beyond the command and its time limit is refused 400, as its schema refuses unknown fields;
 * any other is answered `output` (NDJSON). Each body asked is pushed onto `bodies`.
 */
export function olderExec(output: string, bodies: unknown[] = []): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      const body = JSON.parse(text) as Record<string, unknown>;
      bodies.push(body);
      if (Object.keys(body).some((k) => k !== 'command' && k !== 'timeoutMs')) {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({ error: { code: 'invalid_request', message: 'body must NOT have additional properties' } }),
        );
        return;
      }
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.end(output);
    });
  };
}
