import { information } from './information';
import { journey } from './journey';

/**
 * Every word a claimant reads, in English. The Welsh catalogue (cy/) must have the same keys: its
 * type is derived from this object, so a missing or misspelt key fails `tsc`.
 *
 * Placeholders are written {name}; [text in square brackets] becomes a link whose address the
 * template gives (word order differs between the languages, so links live inside the sentence).
 * Paragraphs inside one message are separated by a blank line.
 */
export const en = { ...journey, ...information } as const;
