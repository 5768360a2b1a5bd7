import type { FastifyReply } from 'fastify';
import type { CommandResult } from '#application';

/**
 * 201 with where the events landed; 200 with the original result when the
 * command repeated one already recorded (a safe retry).
 */
export function commandResponse<T extends Record<string, string>>(reply: FastifyReply, result: CommandResult, ids: T) {
  void reply.status(result.outcome === 'created' ? 201 : 200);
  return { ...ids, outcome: result.outcome, revision: result.revision, position: result.position };
}
