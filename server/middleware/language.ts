import type { RequestHandler, Response } from 'express';
import { DEFAULT_LANGUAGE, isLanguage, translator, type Language, type Translator } from '../i18n';

/** Remembers the language a claimant picked with the toggle (a preference, so it outlives the browser session). */
export const LANGUAGE_COOKIE = 'lang';
const ONE_YEAR_MS = 365 * 24 * 60 * 60 * 1000;

/** What the page templates read: the language, its translator, and which page the language toggle re-opens. */
interface LanguageLocals {
  lang: Language;
  t: Translator;
  languageChosen: boolean;
  languagePagePath: string;
}

const localsOf = (res: Response) => res.locals as Partial<LanguageLocals>;

function speak(res: Response, lang: Language) {
  Object.assign(res.locals, { lang, t: translator(lang) } satisfies Partial<LanguageLocals>);
}

export const languageOf = (res: Response): Language => localsOf(res).lang ?? DEFAULT_LANGUAGE;
export const translatorFor = (res: Response): Translator => translator(languageOf(res));
export const languagePagePathOf = (res: Response): string => localsOf(res).languagePagePath ?? '';

/**
 * The language of the page: the claimant's own choice (`?lang=cy` from the toggle, then the `lang`
 * cookie) wins; anything else, including unknown or malformed values, means English until a route
 * knows better (see preferLanguage).
 */
export function languageChoice(): RequestHandler {
  return (req, res, next) => {
    const asked = req.query.lang;
    const remembered: unknown = req.cookies?.[LANGUAGE_COOKIE];
    let chosen: Language | undefined;
    if (isLanguage(asked)) {
      chosen = asked;
      res.cookie(LANGUAGE_COOKIE, asked, { httpOnly: true, secure: true, sameSite: 'lax', maxAge: ONE_YEAR_MS, path: '/' });
    } else if (isLanguage(remembered)) {
      chosen = remembered;
    }
    // The toggle's links are query-only by default: they reopen this very page and cannot point elsewhere.
    Object.assign(res.locals, { languageChosen: chosen !== undefined, languagePagePath: '' } satisfies Partial<LanguageLocals>);
    speak(res, chosen ?? DEFAULT_LANGUAGE);
    next();
  };
}

/** A language the service knows the claimant prefers (the recording's), used only when they have not chosen one. */
export function preferLanguage(res: Response, preferred: unknown) {
  if (!localsOf(res).languageChosen && isLanguage(preferred)) speak(res, preferred);
}

/** For pages answering a POST: the toggle must reopen a page that can be fetched with GET. */
export function setLanguagePagePath(res: Response, path: string) {
  localsOf(res).languagePagePath = path;
}
