/** The GSM 03.38 basic character set: one septet each. */
const GSM7_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
/** The extension table: an escape plus the character, two septets each. */
const GSM7_EXTENDED = '^{}\\[~]|€\f';

export type SmsEncoding = 'GSM-7' | 'UCS-2';

export interface SmsSize {
  encoding: SmsEncoding;
  /** Septets in GSM-7, UTF-16 code units in UCS-2. */
  units: number;
  /** What the carrier bills: one part up to 160/70 units, otherwise parts of 153/67. */
  segments: number;
}

const LIMITS: Record<SmsEncoding, { single: number; part: number }> = {
  'GSM-7': { single: 160, part: 153 },
  'UCS-2': { single: 70, part: 67 },
};

function gsm7Septets(text: string): number | undefined {
  let septets = 0;
  for (const ch of text) {
    if (GSM7_BASIC.includes(ch)) septets += 1;
    else if (GSM7_EXTENDED.includes(ch)) septets += 2;
    else return undefined;
  }
  return septets;
}

/**
 * Counts a message as carriers do: GSM-7 unless one character falls outside it (a Welsh ŵ or â,
 * a curly quote), then UCS-2 for the whole message. Split messages carry a header in each part.
 */
export function smsSize(text: string): SmsSize {
  const septets = gsm7Septets(text);
  const encoding: SmsEncoding = septets === undefined ? 'UCS-2' : 'GSM-7';
  const units = septets ?? text.length;
  const { single, part } = LIMITS[encoding];
  return { encoding, units, segments: units <= single ? 1 : Math.ceil(units / part) };
}

export type MessageLanguage = 'en' | 'cy';

const SHORT_DATE: Record<MessageLanguage, Intl.DateTimeFormat> = {
  en: new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', timeZone: 'Europe/London' }),
  cy: new Intl.DateTimeFormat('cy', { day: 'numeric', month: 'short', timeZone: 'Europe/London' }),
};

/** The link's last day as the message writes it: "30 Nov", "30 Tach". */
export const untilText = (expiresAt: Date, language: MessageLanguage) => SHORT_DATE[language].format(expiresAt);

/**
 * The text that carries the link: what it is, until when, what the claimant needs, and to keep it
 * to themselves. English fits one GSM-7 segment with a realistic BASE_URL; Welsh needs UCS-2 for
 * "â" and takes three UCS-2 segments.
 */
export function linkMessage(url: string, expiresAt: Date, language: MessageLanguage = 'en'): string {
  const until = untilText(expiresAt, language);
  return language === 'cy'
    ? `Recordiad eich asesiad, tan ${until}. Mae angen eich rhif YG. Peidiwch â'i rannu: ${url}`
    : `Your assessment recording, until ${until}. Needs your NI number. Don't share: ${url}`;
}

/** The dates whose short forms are longest in each language ("28 Sept", "28 Chwef"). */
const LONGEST_DATES = ['2026-09-28T12:00:00Z', '2026-02-28T12:00:00Z', '2026-07-28T12:00:00Z'].map((iso) => new Date(iso));

/** The most segments a link message can take with this base URL and the longest token, per language. */
export function worstCaseSegments(sampleUrl: string): Record<MessageLanguage, number> {
  const worst = (language: MessageLanguage) => Math.max(...LONGEST_DATES.map((date) => smsSize(linkMessage(sampleUrl, date, language)).segments));
  return { en: worst('en'), cy: worst('cy') };
}
