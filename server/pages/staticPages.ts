import type { Response } from 'express';
import type { Environment } from 'nunjucks';
import { translator } from '../i18n';
import { KeptBody, sendKept, worthCompressing } from '../middleware/compression';
import { languageOf, languagePagePathOf } from '../middleware/language';
import { renderFromContext } from './views';

/** Plain values only, so that the values themselves, and nothing hidden behind them, make the key. */
type PlainValue = string | number | boolean | undefined | readonly string[];

/** The variants are views × languages × a few flags, a few dozen; the bound only guards against a mistake. */
const MAX_PAGES = 500;

/** Everything a cached page is made from. The key is this, serialised; the template's context is made from this alone. */
interface PageInput {
  view: string;
  lang: ReturnType<typeof languageOf>;
  values: Record<string, PlainValue>;
}

/** What the claimant layout reads, besides the page's own values: the language and the toggle's target. */
const contextOf = ({ lang, values }: PageInput, languagePagePath: string) => ({ ...values, lang, t: translator(lang), languagePagePath });

/**
 * Renders pages that are the same for every claimant who sees them in a language (the NINO form
 * before any answer, the problem pages, the information pages) once per variant, then serves them from
 * memory, compressed once per encoding. Rendering with the GOV.UK macros, and then compressing for a
 * browser, are most of what such a page costs (about a millisecond here), and it is these pages that a
 * busy morning, or an attacker trying tokens, asks for most.
 *
 * A page is rendered from its input alone, never from `res.locals`, so the key is the whole of what
 * makes it: a variable set on one claimant's response cannot reach another's page. A page whose toggle
 * names another path (an answer to a POST elsewhere) is rendered each time, so no link's token ever
 * reaches the cache.
 */
export function staticPageRenderer(views: Environment) {
  const pages = new Map<string, KeptBody>();
  return function renderStaticPage(res: Response, view: string, values: Record<string, PlainValue>): void {
    const input: PageInput = { view, lang: languageOf(res), values };
    const languagePagePath = languagePagePathOf(res);
    if (languagePagePath !== '') {
      return renderFromContext(views, view, contextOf(input, languagePagePath), res, (html) => res.type('html').send(html));
    }
    const key = JSON.stringify(input);
    const page = pages.get(key);
    if (page !== undefined) return sendKept(res.type('html'), page);
    renderFromContext(views, view, contextOf(input, ''), res, (html) => {
      if (pages.size >= MAX_PAGES) pages.clear();
      const rendered = new KeptBody(html, worthCompressing(html));
      pages.set(key, rendered);
      sendKept(res.type('html'), rendered);
    });
  };
}

export type RenderStaticPage = ReturnType<typeof staticPageRenderer>;
