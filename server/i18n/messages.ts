import type { en } from './en';

/** Every message key; English is the source, so a key exists exactly when en.ts defines it. */
export type MessageKey = keyof typeof en;

/** A complete catalogue: one text for every key, no more and no fewer. */
export type Messages = { readonly [Key in MessageKey]: string };
