import { Inject, Injectable, ServiceUnavailableException } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { type AuditReadKind, type LedgerConfig } from '../config.js';
import { LEDGER_CONFIG } from '../config.module.js';

/** What a refused audit read is told to wait, in seconds (Retry-After). */
export const AUDIT_RETRY_AFTER_SECONDS = 5;

const ENV_OF: Record<AuditReadKind, string> = {
  export: 'EXPORT_MAX_CONCURRENT',
  verify: 'VERIFY_MAX_CONCURRENT',
  iati: 'IATI_MAX_CONCURRENT',
  history: 'HISTORY_MAX_CONCURRENT',
  'as-of': 'AS_OF_MAX_CONCURRENT',
};

/**
 * The concurrency limit of the reads that walk history (export, verify, IATI,
 * history, as-of): each kind runs at most its configured number at once, and
 * one more is refused at once with 503 `audit-busy` and `Retry-After`, never
 * queued. The reads themselves run in slices that yield to the event loop,
 * so the ones admitted do not starve the API; the limit bounds how many
 * share it.
 */
@Injectable()
export class AuditReads {
  private readonly running = new Map<AuditReadKind, number>();

  constructor(@Inject(LEDGER_CONFIG) private readonly config: LedgerConfig) {}

  /**
   * Takes a slot for one read of `kind`, or refuses (503, Retry-After on `reply`). The answer releases the
   * slot: call it once, when the read has ended (streamed: when the stream ends or the client goes away).
   */
  enter(kind: AuditReadKind, reply: FastifyReply): () => void {
    const limit = this.config.auditConcurrency[kind];
    const running = this.running.get(kind) ?? 0;
    if (running >= limit) {
      void reply.header('retry-after', String(AUDIT_RETRY_AFTER_SECONDS));
      throw new ServiceUnavailableException({
        code: 'audit-busy',
        message:
          `${running} ${kind} read(s) are already running, the most allowed at once (${ENV_OF[kind]}); ` +
          `retry in ${AUDIT_RETRY_AFTER_SECONDS} s`,
      });
    }
    this.running.set(kind, running + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running.set(kind, (this.running.get(kind) ?? 1) - 1);
    };
  }

  /** Runs a read that answers once (verify, history, as-of) inside a slot of its kind. */
  async run<T>(kind: AuditReadKind, reply: FastifyReply, read: () => Promise<T>): Promise<T> {
    const release = this.enter(kind, reply);
    try {
      return await read();
    } finally {
      release();
    }
  }

  /** How many reads of `kind` run now (metrics, tests). */
  runningOf(kind: AuditReadKind): number {
    return this.running.get(kind) ?? 0;
  }
}
