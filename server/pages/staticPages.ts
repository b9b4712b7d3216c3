import type { Response } from 'express';
import { KeptBody, sendKept, worthCompressing } from '../middleware/compression';
import { languageOf, languagePagePathOf } from '../middleware/language';

/** Plain values only, so that the values themselves, and nothing hidden behind them, make the key. */
type PlainValue = string | number | boolean | undefined | readonly string[];

/** The variants are views × languages × a few flags, a few dozen; the bound only guards against a mistake. */
const MAX_PAGES = 500;

/**
 * Renders pages that are the same for every claimant who sees them in a language (the NINO form
 * before any answer, the problem pages, the information pages) once per variant, then serves them from
 * memory, compressed once per encoding. Rendering with the GOV.UK macros, and then compressing for a
 * browser, are most of what such a page costs (about a millisecond here), and it is these pages that a
 * busy morning, or an attacker trying tokens, asks for most.
 *
 * What the claimant layout reads from the response is the language and the toggle's target; with the
 * view and the page's own values, that is the key. A page whose toggle names another path (an answer
 * to a POST elsewhere) is rendered each time, so no link's token ever reaches the cache.
 */
export function staticPageRenderer() {
  const pages = new Map<string, KeptBody>();
  return function renderStaticPage(res: Response, view: string, values: Record<string, PlainValue>): void {
    if (languagePagePathOf(res) !== '') return res.render(view, values);
    const key = JSON.stringify([view, languageOf(res), values]);
    const page = pages.get(key);
    if (page !== undefined) return sendKept(res.type('html'), page);
    res.render(view, values, (error: Error | null, html: string) => {
      if (error) return res.req.next?.(error);
      if (pages.size >= MAX_PAGES) pages.clear();
      const rendered = new KeptBody(html, worthCompressing(html));
      pages.set(key, rendered);
      sendKept(res.type('html'), rendered);
    });
  };
}

export type RenderStaticPage = ReturnType<typeof staticPageRenderer>;
