
/**
 * The provider API's errors, as RFC 9457 problem details. Each `type` is a stable URI a provider's
 * code can switch on; the title never changes for a type, the detail says what to fix.
 */
export const PROBLEMS = {
  unauthorised: { status: 401, title: 'Missing, unknown or revoked API key' },
  'not-found': { status: 404, title: 'Not found' },
  'bad-request': { status: 400, title: 'The request could not be read' },
  'invalid-field': { status: 422, title: 'A field is missing or invalid' },
  'duplicate-reference': { status: 409, title: 'A recording with this assessment reference already exists' },
  'too-large': { status: 413, title: 'The audio file is larger than this API accepts' },
  'not-audio': { status: 415, title: 'The file is not a recognised audio format' },
  'audio-unreadable': { status: 422, title: 'The audio file is truncated, corrupt, or does not hold what its header states' },
  'idempotency-key-mismatch': { status: 422, title: 'This Idempotency-Key was used for a different request' },
  'idempotency-key-in-progress': { status: 409, title: 'A request with this Idempotency-Key is still being processed' },
  'recording-unavailable': { status: 409, title: 'The recording can no longer be sent' },
  'texting-limit': { status: 429, title: 'This recording has been sent as many links as it may have in an hour; send again after Retry-After seconds' },
  'not-vtt': { status: 415, title: 'A transcript must be sent as text/vtt' },
  'transcript-too-large': { status: 413, title: 'The transcript is larger than this API accepts' },
  'transcript-invalid': { status: 422, title: 'The transcript is not WebVTT the portal keeps: malformed, holding markup, empty, with a cue past the end of the recording, or more cues or longer cues than speech can hold' },
  'service-unavailable': { status: 503, title: 'A service this API needs is temporarily unavailable' },
  'uploads-busy': { status: 503, title: 'This server is receiving as many uploads as it can hold; try again after Retry-After seconds' },
  'upload-stalled': { status: 408, title: 'The upload stopped arriving, or arrived too slowly; nothing was stored, send it again' },
  'shutting-down': { status: 503, title: 'This server is shutting down; send the same request again after Retry-After seconds' },
  'object-store-unavailable': { status: 503, title: 'The store recordings are kept in is temporarily unavailable; nothing was stored, send the same request again after Retry-After seconds' },
  'server-error': { status: 500, title: 'Something went wrong on our side' },
} as const;

export type ProblemType = keyof typeof PROBLEMS;

export const problemTypeUri = (type: ProblemType) => `https://assessment-recordings.service.gov.uk/problems/${type}`;

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail?: string;
  field?: string;
}

export function problemBody(type: ProblemType, detail?: string, field?: string): ProblemBody {
  const { status, title } = PROBLEMS[type];
  return { type: problemTypeUri(type), title, status, ...(detail ? { detail } : {}), ...(field ? { field } : {}) };
}
