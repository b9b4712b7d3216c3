/** How the staff pages write moments and days: UK time, in English (an internal tool). */
const dateTime = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Europe/London' });
const dateOnly = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeZone: 'Europe/London' });

export const staffDateTime = (date: Date) => dateTime.format(date);
export const staffDate = (date: Date) => dateOnly.format(date);
/** For a moment that may not have happened (a link that has no end). */
export const staffDateTimeOf = (date: Date | undefined) => (date ? staffDateTime(date) : undefined);
