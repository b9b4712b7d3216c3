import { InputError } from './inputError';
import type { NewRecordingInput } from './recordings';

/** A new recording's details as they are typed: the operator CLI's options, a provider's form fields. */
export interface RecordingText {
  assessmentRef?: string;
  nino?: string;
  phone?: string;
  recordedAt?: string;
  language?: string;
}

/**
 * Reads a new recording's details from text into registerRecording's input. Only the language is
 * checked here, since that input's type takes it as read; registerRecording checks every other
 * detail, once, whoever sends it (a missing one as text it refuses, an unreadable date as an invalid Date).
 */
export function recordingFromText(text: RecordingText): Pick<NewRecordingInput, 'assessmentRef' | 'nino' | 'phone' | 'recordedAt' | 'language'> {
  const language = text.language ?? 'en';
  if (language !== 'en' && language !== 'cy') throw new InputError('language', 'must be en or cy');
  return {
    assessmentRef: text.assessmentRef ?? '',
    nino: text.nino ?? '',
    phone: text.phone ?? '',
    recordedAt: text.recordedAt === undefined ? undefined : new Date(text.recordedAt),
    language,
  };
}
