import { Router } from 'express';
import type { Translator } from '../i18n';
import { translatorFor } from '../middleware/language';
import type { AccessRules } from '../policy/accessWindow';
import { formatDate, formatPeriod } from '../pages/format';
import type { RenderStaticPage } from '../pages/staticPages';

/** When the accessibility statement was prepared and last reviewed: update on each review. */
const ACCESSIBILITY_STATEMENT = { prepared: new Date('2026-11-23T12:00:00Z'), reviewed: new Date('2026-12-02T12:00:00Z') };

/** Pages anyone can read without a link: the front page, help for claimants and supporters, the accessibility statement. */
export function informationRoutes(rules: AccessRules, renderStaticPage: RenderStaticPage): Router {
  const router = Router();
  /** The periods the start and help pages state, in the reader's language. */
  const periods = (t: Translator) => ({ linkTtl: formatPeriod(rules.linkTtlMs, t), redownloadWindow: formatPeriod(rules.redownloadWindowMs, t) });

  router.get('/', (_req, res) => {
    const t = translatorFor(res);
    renderStaticPage(res, 'pages/start', { pageTitle: t('service.name'), ...periods(t) });
  });

  router.get('/help', (_req, res) => {
    const t = translatorFor(res);
    renderStaticPage(res, 'pages/help', { pageTitle: t('help.title'), ...periods(t) });
  });

  router.get('/accessibility', (_req, res) => {
    const t = translatorFor(res);
    renderStaticPage(res, 'pages/accessibility', {
      pageTitle: t('a11y.title'),
      prepared: formatDate(ACCESSIBILITY_STATEMENT.prepared, t),
      reviewed: formatDate(ACCESSIBILITY_STATEMENT.reviewed, t),
    });
  });

  return router;
}
