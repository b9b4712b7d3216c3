/** The GSM 03.38 basic character set: a message of these alone costs one 160-character segment. */
const GSM7_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
/** Characters of the extension table, each sent as an escape plus the character (two septets). */
const GSM7_EXTENDED = '^{}\\[~]|€\f';
export const SINGLE_SEGMENT_SEPTETS = 160;

/** Septets the text needs in GSM-7, or undefined when some character forces UCS-2 (70 per segment). */
export function gsm7Length(text: string): number | undefined {
  let septets = 0;
  for (const ch of text) {
    if (GSM7_BASIC.includes(ch)) septets += 1;
    else if (GSM7_EXTENDED.includes(ch)) septets += 2;
    else return undefined;
  }
  return septets;
}

export function fitsOneSegment(text: string): boolean {
  const length = gsm7Length(text);
  return length !== undefined && length <= SINGLE_SEGMENT_SEPTETS;
}

const SHORT_DATE = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', timeZone: 'Europe/London' });

/** The text that carries the link. Kept short: the URL alone takes half of the 160 characters. */
export function linkMessage(url: string, expiresAt: Date): string {
  return `Get your assessment recording by ${SHORT_DATE.format(expiresAt)}. You need your NI number: ${url}`;
}
