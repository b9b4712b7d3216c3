import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CATALOGUES, translator, type MessageKey } from '../../server/i18n';
import { formatDate, formatDateTime, formatLength, formatPeriod, formatTime } from '../../server/pages/format';

const ROOT = path.resolve(__dirname, '../..');
const { en, cy } = CATALOGUES;
const keys = Object.keys(en) as MessageKey[];

function filesUnder(dir: string, extension: string): string[] {
  return readdirSync(path.join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith(extension))
    .map((file) => path.join(ROOT, dir, file));
}
// The claimant's templates; the staff console (views/staff) is an internal tool in English only.
const templates = filesUnder('views', '.njk')
  .filter((file) => !path.relative(ROOT, file).startsWith(path.join('views', 'staff')))
  .map((file) => ({ file: path.relative(ROOT, file), source: readFileSync(file, 'utf8') }));

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
const linkedPhrases = (text: string) => [...text.matchAll(/\[[^\]]+\]/g)].length;
const paragraphs = (text: string) => text.split(/\n\n+/).length;

describe('the Welsh catalogue', () => {
  test('has exactly the English keys', () => {
    expect(Object.keys(cy).sort()).toEqual([...keys].sort());
  });

  test('translates every message: none is empty and none is left in English', () => {
    const untranslated = keys.filter((key) => cy[key].trim() === '' || cy[key] === en[key]);
    expect(untranslated).toEqual([]);
  });

  test('keeps the same placeholders, links and paragraphs as the English', () => {
    const mismatched = keys.filter(
      (key) =>
        placeholders(en[key]).join() !== placeholders(cy[key]).join() ||
        linkedPhrases(en[key]) !== linkedPhrases(cy[key]) ||
        paragraphs(en[key]) !== paragraphs(cy[key]),
    );
    expect(mismatched).toEqual([]);
  });
});

describe('the templates', () => {
  test('use only message keys that exist', () => {
    const used = templates.flatMap(({ file, source }) =>
      [...source.matchAll(/\bt(?:\.\w+)?\(\s*(['"])([^'"]+)\1/g)].map((m) => ({ file, key: m[2] })),
    );
    expect(used.length).toBeGreaterThan(50);
    expect(used.filter(({ key }) => !(key in en))).toEqual([]);
  });

  test('contain no words of their own: every word a claimant reads comes from the catalogues', () => {
    const literalText = templates.flatMap(({ file, source }) => {
      const text = source
        .replace(/\{#[\s\S]*?#\}/g, ' ')
        .replace(/\{\{[\s\S]*?\}\}/g, ' ')
        .replace(/\{%[\s\S]*?%\}/g, ' ')
        .replace(/<[^>]*>/g, ' ')
        .replace(/GOV\.UK/g, ' ');
      return (text.match(/[A-Za-z]{2,}[^<{]*/g) ?? []).map((words) => ({ file, words: words.trim() }));
    });
    expect(literalText).toEqual([]);
  });

  test('give GOV.UK components and attributes no literal text (their English defaults included)', () => {
    const code = templates.flatMap(({ file, source }) => [...source.matchAll(/\{\{[\s\S]*?\}\}|\{%[\s\S]*?%\}/g)].map((m) => ({ file, code: m[0] })));
    const literalParams = code.flatMap(({ file, code }) =>
      [...code.matchAll(/\b(text|html|\w+Text|\w+Html|\w*[lL]abel)\s*:\s*(['"][^'"]*['"])/g)].map((m) => ({ file, param: `${m[1]}: ${m[2]}` })),
    );
    const literalAttributes = templates.flatMap(({ file, source }) =>
      [...source.matchAll(/\b(aria-label|title|alt|placeholder)="([^"{]*[A-Za-z][^"{]*)"/g)].map((m) => ({ file, attribute: m[0] })),
    );
    expect([...literalParams, ...literalAttributes]).toEqual([]);
  });

  test('every message is used by a template or by the code', () => {
    const sources = [
      ...templates.map((t) => t.source),
      ...filesUnder('server', '.ts')
        .filter((file) => !/server\/i18n\/(en|cy)\.ts$/.test(file))
        .map((file) => readFileSync(file, 'utf8')),
    ].join('\n');
    // Problem pages build their keys from the kind of problem: problem.<kind>.title and .body.
    const builtFromKind = (key: string) => /^problem\.[a-z-]+\.(title|body)$/.test(key);
    const unused = keys.filter((key) => !sources.includes(`'${key}'`) && !builtFromKind(key));
    expect(unused).toEqual([]);
  });
});

describe('times, dates and lengths in both languages', () => {
  const t = { en: translator('en'), cy: translator('cy') };
  const at = (iso: string) => new Date(iso);

  test('dates and times are UK time, written the GOV.UK way', () => {
    expect(formatDateTime(at('2026-11-30T09:05:00Z'), t.en)).toBe('9:05am on 30 November 2026');
    expect(formatDateTime(at('2026-11-30T09:05:00Z'), t.cy)).toBe('9:05yb ar 30 Tachwedd 2026');
    expect(formatTime(at('2026-07-01T16:00:00Z'), t.en)).toBe('5pm');
    expect(formatTime(at('2026-07-01T16:30:00Z'), t.cy)).toBe('5:30yh');
    expect(formatTime(at('2026-01-15T12:00:00Z'), t.en)).toBe('midday');
    expect(formatTime(at('2026-01-15T00:00:00Z'), t.cy)).toBe('hanner nos');
    expect(formatDate(at('2026-03-28T23:30:00Z'), t.cy)).toBe('28 Mawrth 2026');
    expect(formatDate(at('2026-03-29T23:30:00Z'), t.en)).toBe('30 March 2026');
  });

  test('lengths and periods: English plurals, Welsh singular after a numeral', () => {
    expect(formatLength(1, t.en)).toBe('1 second');
    expect(formatLength(61, t.en)).toBe('1 minute 1 second');
    expect(formatLength(125, t.cy)).toBe('2 munud 5 eiliad');
    expect(formatLength(null, t.cy)).toBe('Ddim yn hysbys');
    expect(formatPeriod(7 * 24 * 3_600_000, t.en)).toBe('7 days');
    expect(formatPeriod(24 * 3_600_000, t.cy)).toBe('24 awr');
    expect(formatPeriod(20 * 60_000, t.cy)).toBe('20 munud');
  });

  test('links inside messages are escaped text with the address the template gives', () => {
    expect(String(t.cy.withLinks('a11y.enforcement.ecni', [{ href: 'https://www.equalityni.org/Home' }]))).toBe(
      'Os ydych yn byw yng Ngogledd Iwerddon, <a class="govuk-link" href="https://www.equalityni.org/Home">cysylltwch â Chomisiwn Cydraddoldeb Gogledd Iwerddon (ECNI)</a>.',
    );
    expect(t.en('contact.phone-number', { phone: '<0800>' })).toBe('Phone <0800> and say you are calling about your assessment recording.');
    expect(String(t.en.withLinks('contact.phone-number', [], { phone: '<0800>' }))).toContain('&lt;0800&gt;');
  });
});
