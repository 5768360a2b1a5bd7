import { PinoLogger } from 'nestjs-pino';

/** Probes and scrapes come every few seconds: their access lines are written at debug level. */
const PROBE_ROUTES = /^\/(health|metrics)(\/|$)/;

export interface AnsweredRequest {
  readonly method: string;
  /** The route template (`/projects/:projectId`), null when no route matched. */
  readonly route: string | null;
  /** The path without its query string. */
  readonly path: string;
  readonly status: number;
  readonly durationMs: number;
  /** Unknown when the request was refused before its id was read (a compressed body, a malformed X-Correlation-Id, a bad URL). */
  readonly correlationId: string | undefined;
  /** The client's address: the peer's, or the one trusted proxies forwarded (TRUST_PROXY). */
  readonly clientAddress: string;
}

/**
 * One line per answered request (`context: "HTTP"`), at info, error for 5xx, debug for probes.
 * Headers (Authorization, keys) are never logged. Written through the root logger bound to the
 * correlation id: onResponse is not sure to run in the request's logging context, and requests refused
 * in onRequest never entered one.
 */
export function writeAccessLine({ method, route, path, status, durationMs, correlationId, clientAddress }: AnsweredRequest): void {
  const level = status >= 500 ? 'error' : PROBE_ROUTES.test(path) ? 'debug' : 'info';
  if (!PinoLogger.root.isLevelEnabled(level)) return;
  const logger = correlationId === undefined ? PinoLogger.root : PinoLogger.root.child({ correlationId });
  const message = `${method} ${route ?? path} ${status} ${durationMs} ms`;
  logger[level]({ context: 'HTTP', message, method, route, path, status, durationMs, clientAddress });
}
