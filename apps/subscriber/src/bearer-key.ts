import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';

/** The one shape of a refusal, as the ledger's API answers it. */
const UNAUTHENTICATED = {
  statusCode: 401,
  error: 'Unauthorized',
  code: 'unauthenticated',
  message: 'send the subscriber key: Authorization: Bearer <SUBSCRIBER_API_KEY>',
};

const digest = (key: string): Buffer => createHash('sha256').update(key).digest();

/**
 * Every request to the subscriber needs `Authorization: Bearer <key>`: its
 * figures are the ledger's, and are no more public here than there. Checked
 * on the raw request before routing, so an unknown path answers 401 too and
 * reveals nothing; compared by SHA-256 digest in constant time.
 */
export function requireBearerKey(fastify: FastifyInstance, key: string): void {
  const expected = digest(key);
  fastify.addHook('onRequest', async (request, reply) => {
    const header = request.headers.authorization;
    const presented = typeof header === 'string' ? /^Bearer ([^\s]+)$/.exec(header)?.[1] : undefined;
    if (presented !== undefined && timingSafeEqual(digest(presented), expected)) return;
    await reply.code(401).header('www-authenticate', 'Bearer').send(UNAUTHENTICATED);
  });
}
