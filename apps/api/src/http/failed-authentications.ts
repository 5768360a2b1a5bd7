import { HttpException, Logger } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastifyRateLimit from '@fastify/rate-limit';

/** How many failed authentications a client address may make in a window (AUTH_FAILURE_LIMIT, AUTH_FAILURE_WINDOW_MS). */
export interface FailureBudget {
  readonly limit: number;
  readonly windowMs: number;
}

type Limiter = ReturnType<FastifyInstance['createRateLimit']>;

/**
 * A budget of failed authentications per client address, kept by @fastify/rate-limit's store
 * (IPv6 addresses counted by /64, as the library does). Only failures are counted: a request with
 * a valid key costs nothing. Once an address has used its budget, every request it makes that needs
 * a key is refused with 429 and `Retry-After` until the window ends, valid key or not: answering a
 * valid key there would tell a guesser which of its guesses is right. Other addresses are not affected.
 */
export class FailedAuthentications {
  private readonly logger = new Logger('Access');

  private constructor(
    private readonly limiter: Limiter,
    readonly budget: FailureBudget,
  ) {}

  /** Registers @fastify/rate-limit on the app's Fastify instance (before any route) and makes the budget's counter. */
  static async register(fastify: FastifyInstance, budget: FailureBudget): Promise<FailedAuthentications> {
    // global: false: the library counts nothing by itself; the access guard counts failures only.
    await fastify.register(fastifyRateLimit, { global: false });
    return new FailedAuthentications(fastify.createRateLimit({ max: budget.limit, timeWindow: budget.windowMs }), budget);
  }

  /** Refuses (429, `Retry-After`) a request from an address that has used its budget, before its key is looked at. */
  async refuseIfExhausted(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const state = await this.limiter(request, { increment: false });
    if (!state.isAllowed && state.remaining === 0) this.refuse(reply, state.ttlInSeconds);
  }

  /**
   * Counts a failed authentication against the request's address and logs it (the address, never what was
   * presented). The failure that goes over the budget is answered 429 already: counting is one step of the
   * store, so requests that arrive together cannot get more than the budget's 401s between them.
   */
  async record(request: FastifyRequest, reply: FastifyReply, reason: string): Promise<void> {
    const state = await this.limiter(request);
    if (state.isAllowed) return;
    const fields = { clientAddress: request.ip, method: request.method, route: request.routeOptions.url ?? null };
    if (!state.isExceeded) {
      const failures = state.max - state.remaining;
      this.logger.warn({ message: `authentication failed from ${request.ip}: ${reason}`, ...fields, failures });
      if (failures === state.max)
        this.logger.warn({
          message: `${request.ip} has used its budget of ${state.max} failed authentications: refused (429) for ${state.ttlInSeconds} s`,
          ...fields,
        });
      return;
    }
    this.refuse(reply, state.ttlInSeconds);
  }

  private refuse(reply: FastifyReply, ttlInSeconds: number): never {
    const retryAfter = Math.max(1, ttlInSeconds);
    void reply.header('retry-after', String(retryAfter));
    const { limit, windowMs } = this.budget;
    const message = `too many failed authentications from this address (${limit} in ${windowMs / 1000} s); retry in ${retryAfter} s`;
    throw new HttpException({ code: 'too-many-failed-authentications', message }, 429);
  }
}
