import nunjucks from 'nunjucks';
import { cy } from './cy';
import { en } from './en';
import type { MessageKey, Messages } from './messages';

export type { MessageKey, Messages } from './messages';

export const LANGUAGES = ['en', 'cy'] as const;
export type Language = (typeof LANGUAGES)[number];
export const DEFAULT_LANGUAGE: Language = 'en';

export const CATALOGUES: Readonly<Record<Language, Messages>> = { en, cy };

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

export type MessageParams = Readonly<Record<string, string | number>>;

/** Where a [bracketed phrase] in a message links to. */
export interface MessageLink {
  href: string;
  classes?: string;
  rel?: string;
}

export interface Translator {
  (key: MessageKey, params?: MessageParams): string;
  readonly lang: Language;
  /** A message written as several paragraphs (separated by a blank line in the catalogue). */
  paragraphs(key: MessageKey, params?: MessageParams): string[];
  /** A message with links inside it, as HTML that templates may output unescaped. */
  withLinks(key: MessageKey, links: readonly MessageLink[], params?: MessageParams): nunjucks.runtime.SafeString;
  /** English picks "one" for 1 and "other" otherwise; Welsh keeps the noun singular after digits, so the same choice reads right. */
  plural(count: number, one: MessageKey, other: MessageKey): string;
}

const PLACEHOLDER = /\{(\w+)\}/g;
const LINKED_PHRASE = /\[([^\]]+)\]/g;

const escapeHtml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

function fill(message: string, params: MessageParams = {}): string {
  // A placeholder without a value stays visible rather than failing the whole page.
  return message.replace(PLACEHOLDER, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

function makeTranslator(lang: Language): Translator {
  const messages = CATALOGUES[lang];
  const translate = (key: MessageKey, params?: MessageParams) => fill(messages[key], params);
  return Object.assign(translate, {
    lang,
    paragraphs: (key: MessageKey, params?: MessageParams) => translate(key, params).split(/\n\n+/),
    withLinks(key: MessageKey, links: readonly MessageLink[], params?: MessageParams) {
      let index = 0;
      const html = escapeHtml(translate(key, params)).replace(LINKED_PHRASE, (_whole, phrase: string) => {
        const link = links[index++];
        if (!link) return phrase;
        const rel = link.rel ? ` rel="${escapeHtml(link.rel)}"` : '';
        return `<a class="${escapeHtml(link.classes ?? 'govuk-link')}" href="${escapeHtml(link.href)}"${rel}>${phrase}</a>`;
      });
      return new nunjucks.runtime.SafeString(html);
    },
    plural: (count: number, one: MessageKey, other: MessageKey) => translate(count === 1 ? one : other, { count }),
  });
}

const TRANSLATORS: Readonly<Record<Language, Translator>> = { en: makeTranslator('en'), cy: makeTranslator('cy') };

export const translator = (lang: Language): Translator => TRANSLATORS[lang];

/** The language navigation's items: each language named in itself, linking to this page in it. */
export function languageNavigationItems(current: Language, pagePath: string) {
  return LANGUAGES.map((lang) => ({
    text: CATALOGUES[lang]['language.name'],
    lang,
    href: `${pagePath}?lang=${lang}`,
    current: lang === current,
    languageDescriptionText: CATALOGUES[lang]['language.switch-to'],
  }));
}

/** Defaults for templates rendered before a request's language is known; languageChoice sets the real ones per response. */
export function addLanguageGlobals(views: nunjucks.Environment) {
  views.addGlobal('lang', DEFAULT_LANGUAGE);
  views.addGlobal('t', translator(DEFAULT_LANGUAGE));
  views.addGlobal('languagePagePath', '');
  views.addGlobal('languageNavigationItems', languageNavigationItems);
}
