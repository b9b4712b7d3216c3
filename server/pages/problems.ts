import type { Response } from 'express';
import { translatorFor } from '../middleware/language';
import type { AccessRules } from '../policy/accessWindow';
import { formatPeriod } from './format';
import type { RenderStaticPage } from './staticPages';

export type ProblemKind =
  | 'link-not-recognised'
  | 'link-expired'
  | 'link-replaced'
  | 'link-locked'
  | 'recording-unavailable'
  | 'download-button-used'
  | 'download-ended'
  | 'session-ended'
  | 'too-many-attempts'
  | 'bad-request'
  | 'too-large'
  | 'page-not-found'
  | 'service-unavailable'
  | 'server-error';

/**
 * Every page a claimant can meet when something is wrong, and the status it answers with. What each
 * says is in the catalogues (`problem.<kind>.title` and `.body`, in English and Welsh): what happened in
 * plain words and what to do next, never more than the claimant needs (a wrong link and an unknown one
 * read the same). The contact route follows each, from the layout.
 */
const STATUS: Record<ProblemKind, number> = {
  'link-not-recognised': 404,
  'link-expired': 410,
  'link-replaced': 410,
  'link-locked': 403,
  'recording-unavailable': 410,
  'download-button-used': 409,
  'download-ended': 410,
  'session-ended': 403,
  'too-many-attempts': 429,
  'bad-request': 400,
  'too-large': 413,
  'page-not-found': 404,
  'service-unavailable': 503,
  'server-error': 500,
};

export function problemRenderer(rules: AccessRules, renderStaticPage: RenderStaticPage) {
  return function renderProblem(res: Response, kind: ProblemKind, retry?: { href: string; text: string }): void {
    const t = translatorFor(res);
    const periods = { linkTtl: formatPeriod(rules.linkTtlMs, t), window: formatPeriod(rules.redownloadWindowMs, t) };
    renderStaticPage(res.status(STATUS[kind]), 'pages/problem', {
      pageTitle: t(`problem.${kind}.title`),
      paragraphs: t.paragraphs(`problem.${kind}.body`, periods),
      retryHref: retry?.href,
      retryText: retry?.text,
    });
  };
}

export type RenderProblem = ReturnType<typeof problemRenderer>;
