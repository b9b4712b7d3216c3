import path from 'node:path';
import type { Express, Response } from 'express';
import nunjucks from 'nunjucks';
import { addLanguageGlobals } from '../i18n';
import { PROJECT_ROOT } from '../projectRoot';

export const GOVUK_FRONTEND = path.dirname(require.resolve('govuk-frontend/package.json'));

export interface ViewOptions {
  production: boolean;
  supportPhone: string | undefined;
  /** The content-hashed address of a static file, as the templates link to it. */
  assetUrl: (plainPath: string) => string;
}

/** The templates (views/ and the GOV.UK macros), for `res.render` and for pages rendered from an explicit context. */
export function configureViews(app: Express, options: ViewOptions): nunjucks.Environment {
  const views = nunjucks.configure([path.join(PROJECT_ROOT, 'views'), path.join(GOVUK_FRONTEND, 'dist')], {
    autoescape: true,
    express: app,
    noCache: !options.production,
  });
  views.addGlobal('supportPhone', options.supportPhone);
  views.addGlobal('asset', options.assetUrl);
  addLanguageGlobals(views);
  app.set('view engine', 'njk');
  return views;
}

/**
 * Renders a view from exactly the context given: unlike `res.render`, nothing of `res.locals` or
 * `app.locals` reaches the template, so what a page shows is what its caller passed.
 */
export function renderFromContext(views: nunjucks.Environment, view: string, context: object, res: Response, send: (html: string) => void): void {
  views.render(`${view}.njk`, context, (error, html) => {
    if (error) return res.req.next?.(error);
    send(html ?? '');
  });
}
