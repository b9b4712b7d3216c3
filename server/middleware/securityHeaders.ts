import type { RequestHandler } from 'express';
import helmet from 'helmet';

/**
 * Headers from the security model: a strict CSP with no inline script, HSTS, no referrer, no framing.
 * The object store's origin is allowed only where a form's redirect lands on it (form-action applies
 * to redirects): a supervisor's right-of-access copy. Claimants' audio comes from the portal itself.
 */
export function securityHeaders(objectStoreOrigin: string): RequestHandler[] {
  return [
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'"],
          fontSrc: ["'self'"],
          connectSrc: ["'self'"],
          manifestSrc: ["'self'"],
          mediaSrc: ["'self'"],
          formAction: ["'self'", objectStoreOrigin],
          frameAncestors: ["'none'"],
          baseUri: ["'none'"],
          objectSrc: ["'none'"],
        },
      },
      strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: true },
      referrerPolicy: { policy: 'no-referrer' },
      crossOriginEmbedderPolicy: false,
      xFrameOptions: { action: 'deny' },
    }),
    (_req, res, next) => {
      res.setHeader('X-Robots-Tag', 'noindex, nofollow');
      next();
    },
  ];
}

/** Pages carry personal data or one-time grants: nothing dynamic may be cached anywhere. */
export const noStore: RequestHandler = (_req, res, next) => {
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Pragma', 'no-cache');
  next();
};
