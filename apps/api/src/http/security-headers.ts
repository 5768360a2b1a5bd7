import helmet from 'helmet';
import type { FastifyInstance } from 'fastify';

type Directives = Record<string, readonly string[]>;

/** As helmet writes it: directives joined by ';'. */
const policy = (directives: Directives): string =>
  Object.entries(directives)
    .map(([name, sources]) => [name, ...sources].join(' '))
    .join(';');

/**
 * What the API's JSON, CSV and text answers may do in a browser: nothing. Nothing loads, nothing
 * runs, nothing frames them, no form posts anywhere.
 */
const API_DIRECTIVES: Directives = {
  'default-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
  'frame-ancestors': ["'none'"],
};

/**
 * Swagger UI at /docs: its own scripts and style sheets only (no inline script), the document and
 * "Try it out" calls to this origin. Its inline style elements and React's style attributes need
 * 'unsafe-inline' for styles (styles cannot run code); its icons are data: images. Never framed.
 */
const DOCS_DIRECTIVES: Directives = {
  'default-src': ["'none'"],
  'script-src': ["'self'"],
  'style-src': ["'self'", "'unsafe-inline'"],
  'img-src': ["'self'", 'data:'],
  'font-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
  'frame-ancestors': ["'none'"],
};

export const API_CSP = policy(API_DIRECTIVES);
export const DOCS_CSP = policy(DOCS_DIRECTIVES);

/**
 * The headers that go on answers written before any hook runs (a malformed URL, a request Node's parser
 * refused): the ones that matter for an error body.
 */
export const BASELINE_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': API_CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

/** HSTS_MAX_AGE_SECONDS: 0 sends no Strict-Transport-Security (the API speaks plain HTTP; TLS, if any, ends in front). */
export interface SecurityHeadersOptions {
  readonly hstsMaxAgeSeconds: number;
  /** Paths under which Swagger UI is served, with its own policy. */
  readonly docsPath: string;
}

/**
 * Security headers on every answer, by helmet (its middleware built once here and run in the first
 * onRequest hook: @fastify/helmet builds it anew for every request, about 80 µs each; so refusals
 * made in hooks carry them too): `X-Content-Type-Options: nosniff`, a Content-Security-Policy with
 * `frame-ancestors 'none'` (and `X-Frame-Options: DENY` for older browsers), `Referrer-Policy: no-referrer`,
 * the cross-origin policies. Swagger UI gets the policy it needs to run; the dashboard sets its own
 * (script-src 'self', see dashboard-assets.ts). HSTS only when configured.
 */
export async function registerSecurityHeaders(fastify: FastifyInstance, options: SecurityHeadersOptions): Promise<void> {
  const headers = helmet({
    contentSecurityPolicy: { useDefaults: false, directives: API_DIRECTIVES as Record<string, string[]> },
    frameguard: { action: 'deny' },
    strictTransportSecurity: options.hstsMaxAgeSeconds > 0 ? { maxAge: options.hstsMaxAgeSeconds, includeSubDomains: true } : false,
  });
  fastify.addHook('onRequest', (request, reply, done) => headers(request.raw, reply.raw, (error) => done(error as Error | undefined)));
  const docs = options.docsPath;
  fastify.addHook('onRequest', (request, reply, done) => {
    const path = request.url.split('?')[0];
    if (path === docs || path.startsWith(`${docs}/`)) void reply.header('content-security-policy', DOCS_CSP);
    done();
  });
}
