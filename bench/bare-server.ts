import { createServer } from 'node:http';

/**
 * The HTTP ceiling for this machine: a bare node:http server that parses and
 * answers the same command requests from memory, with no framework, no
 * validation library and no storage.
 */
const revisions = new Map<string, number>();
let position = 0;

const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      body = null;
    }
    if (request.method !== 'POST' || typeof body !== 'object' || body === null) {
      response.writeHead(400, { 'content-type': 'application/json' }).end('{"statusCode":400}');
      return;
    }
    const stream = request.url ?? '/';
    const revision = (revisions.get(stream) ?? -1) + 1;
    revisions.set(stream, revision);
    position += 1;
    response.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ outcome: 'created', revision, position }));
  });
});

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  console.log(`listening on http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`);
});
