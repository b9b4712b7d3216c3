import { PROBLEMS, problemTypeUri, type ProblemType } from './problems';

const problemResponse = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
});

/**
 * The provider API's contract, served at /api/v1/openapi.json. The tests check every response the
 * API gives against it, so the document and the code cannot drift apart unnoticed.
 */
export const OPENAPI_DOCUMENT = {
  openapi: '3.1.0',
  info: {
    title: 'Assessment recordings: provider API',
    version: '1.0.0',
    description:
      'For assessment providers: register the audio recording of a health assessment, attach a WebVTT transcript where there is one, and ask for the claimant to be texted a link. ' +
      'Authenticate with `Authorization: Bearer <API key>`. A POST may carry an `Idempotency-Key` header: a repeat with the same key returns the first response and changes nothing; ' +
      'the same key with a different request (another path, other form fields, another declared `sha256` or `Content-Length`) gets 422 `idempotency-key-mismatch`.',
  },
  servers: [{ url: '/api/v1' }],
  security: [{ apiKey: [] }],
  paths: {
    '/recordings': {
      post: {
        operationId: 'registerRecording',
        summary: 'Register a recording: metadata and the audio, as multipart/form-data',
        description:
          'The fields come first and the `audio` file last: the fields are checked as soon as the file starts, and the file is streamed to storage as it arrives (up to `API_MAX_UPLOAD_MB`, by default 2048 MB). ' +
          'Nothing is registered until the whole file has arrived and its container agrees with its size. One provider has at most half of an instance\'s upload slots at once.',
        parameters: [{ $ref: '#/components/parameters/IdempotencyKey' }],
        requestBody: {
          required: true,
          content: {
            'multipart/form-data': {
              schema: {
                type: 'object',
                required: ['assessmentRef', 'nino', 'mobile', 'audio'],
                properties: {
                  assessmentRef: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9-]{2,39}$' },
                  recordedAt: { type: 'string', format: 'date-time' },
                  nino: { type: 'string', description: 'National Insurance number; kept only as a hash' },
                  mobile: { type: 'string', description: 'UK mobile number; kept only encrypted' },
                  language: { type: 'string', enum: ['en', 'cy'] },
                  sha256: { type: 'string', pattern: '^[0-9a-f]{64}$', description: 'Optional: checked against the SHA-256 the server computes' },
                  audio: { type: 'string', contentMediaType: 'application/octet-stream', description: 'WAV, MP3, M4A, OGG or FLAC; the last part of the form, after every field' },
                },
              },
            },
          },
        },
        responses: {
          '201': { description: 'Registered', content: { 'application/json': { schema: { $ref: '#/components/schemas/Recording' } } } },
          '400': problemResponse('The request could not be read'),
          '401': problemResponse('Missing, unknown or revoked API key'),
          '408': problemResponse('The body stopped arriving (nothing for `UPLOAD_IDLE_TIMEOUT`) or arrived below the minimum rate (`upload-stalled`): nothing was stored, the Idempotency-Key is not used up, and the connection is closed'),
          '409': problemResponse('Duplicate assessment reference, or the same Idempotency-Key is still being processed'),
          '413': problemResponse('The audio file is too large'),
          '415': problemResponse('The file is not audio'),
          '422': problemResponse(
            'A field is missing or invalid (`invalid-field`); the audio is truncated, corrupt, or holds less than its header states (`audio-unreadable`, the detail names the problem); or the Idempotency-Key was used for another request (`idempotency-key-mismatch`)',
          ),
          '503': problemResponse('The store is unavailable (`object-store-unavailable`, answered before the file is read, or as soon as a part fails for good), the server is shutting down (`shutting-down`), or it is receiving as many uploads as it can hold, or as many of this provider\'s as its share allows (`uploads-busy`): send the same request again after `Retry-After` seconds (nothing was stored, and the Idempotency-Key is not used up)'),
        },
      },
    },
    '/recordings/{recordingId}': {
      get: {
        operationId: 'getRecording',
        summary: "A recording's status and its latest link; no personal data",
        parameters: [{ $ref: '#/components/parameters/RecordingId' }],
        responses: {
          '200': { description: 'The recording', content: { 'application/json': { schema: { $ref: '#/components/schemas/Recording' } } } },
          '401': problemResponse('Missing, unknown or revoked API key'),
          '404': problemResponse('No recording with this id registered by this provider'),
        },
      },
    },
    '/recordings/{recordingId}/links': {
      post: {
        operationId: 'sendLink',
        summary: 'Text the claimant a link to the recording (revokes every earlier link)',
        parameters: [{ $ref: '#/components/parameters/RecordingId' }, { $ref: '#/components/parameters/IdempotencyKey' }],
        responses: {
          '201': { description: 'Sent', content: { 'application/json': { schema: { $ref: '#/components/schemas/Link' } } } },
          '401': problemResponse('Missing, unknown or revoked API key'),
          '404': problemResponse('No recording with this id registered by this provider'),
          '409': problemResponse('The recording can no longer be sent (deleted, asked to be deleted, or past its retention date), or the same Idempotency-Key is still being processed'),
          '422': problemResponse('The Idempotency-Key was used for another request'),
          '429': {
            ...problemResponse('The recording has been sent 3 links in the last hour: send the same request again after `Retry-After` seconds (nothing was sent, and the Idempotency-Key is not used up)'),
            headers: { 'Retry-After': { description: 'Seconds until a link can be sent', schema: { type: 'integer', minimum: 1 } } },
          },
        },
      },
    },
    '/recordings/{recordingId}/transcript': {
      put: {
        operationId: 'attachTranscript',
        summary: 'Attach a WebVTT transcript to a recording, or replace the one attached',
        description:
          'The body is the WebVTT file itself (UTF-8, at most `TRANSCRIPT_MAX_KB`, by default 2048 KB). It must parse as WebVTT, hold plain text only (no tags such as `<b>` or `<v>` in a cue, no STYLE block: write `<` as `&lt;`), ' +
          'and no cue may end more than a second after the recording does. The transcript is stored beside the audio and the recording\'s manifest is signed again to name its SHA-256. ' +
          'Sending another replaces it (200): the earlier file is deleted and the manifest signed again. Nothing is stored when it is refused.',
        parameters: [{ $ref: '#/components/parameters/RecordingId' }],
        requestBody: { required: true, content: { 'text/vtt': { schema: { type: 'string' } } } },
        responses: {
          '200': { description: 'Replaced the transcript attached before', content: { 'application/json': { schema: { $ref: '#/components/schemas/Transcript' } } } },
          '201': { description: 'Attached', content: { 'application/json': { schema: { $ref: '#/components/schemas/Transcript' } } } },
          '401': problemResponse('Missing, unknown or revoked API key'),
          '404': problemResponse('No recording with this id registered by this provider'),
          '409': problemResponse('The recording is deleted, asked to be deleted, or past its retention date (`recording-unavailable`)'),
          '413': problemResponse('The transcript is too large (`transcript-too-large`)'),
          '415': problemResponse('The body is not sent as `text/vtt` (`not-vtt`)'),
          '422': problemResponse('Not WebVTT (the detail names the line and the problem), markup in a cue, no cue, a cue past the end of the recording, more than one cue a half-second of audio (at most 20,000), or a cue of more than 2,000 characters (`transcript-invalid`)'),
        },
      },
      get: {
        operationId: 'getTranscript',
        summary: 'Whether a transcript is attached, and its fingerprint',
        parameters: [{ $ref: '#/components/parameters/RecordingId' }],
        responses: {
          '200': { description: 'The transcript attached', content: { 'application/json': { schema: { $ref: '#/components/schemas/Transcript' } } } },
          '401': problemResponse('Missing, unknown or revoked API key'),
          '404': problemResponse('No transcript attached, or no recording with this id registered by this provider'),
        },
      },
    },
  },
  components: {
    securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } },
    parameters: {
      RecordingId: { name: 'recordingId', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } },
      IdempotencyKey: { name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', minLength: 1, maxLength: 255 } },
    },
    schemas: {
      Recording: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'assessmentRef', 'recordedAt', 'sizeBytes', 'sha256', 'contentType', 'status', 'latestLink'],
        properties: {
          id: { type: 'string', format: 'uuid' },
          assessmentRef: { type: 'string' },
          recordedAt: { type: 'string', format: 'date-time' },
          sizeBytes: { type: 'integer' },
          sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
          contentType: { type: 'string' },
          status: { type: 'string', enum: ['available', 'unavailable'] },
          latestLink: { oneOf: [{ type: 'null' }, { $ref: '#/components/schemas/Link' }] },
        },
      },
      Transcript: {
        type: 'object',
        additionalProperties: false,
        required: ['sha256', 'sizeBytes', 'cues', 'attachedAt'],
        properties: {
          sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
          sizeBytes: { type: 'integer' },
          cues: { type: 'integer' },
          attachedAt: { type: 'string', format: 'date-time' },
        },
      },
      Link: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'sentAt', 'expiresAt', 'state', 'textMessage'],
        properties: {
          id: { type: 'string', format: 'uuid' },
          sentAt: { type: 'string', format: 'date-time' },
          expiresAt: { type: 'string', format: 'date-time' },
          state: { type: 'string', enum: ['open', 'locked', 'expired', 'replaced', 'unavailable'] },
          textMessage: { type: 'string', enum: ['pending', 'sending', 'sent', 'failed', 'superseded', 'delivered', 'undelivered', 'queued', 'unknown'] },
        },
      },
      Problem: {
        type: 'object',
        additionalProperties: false,
        required: ['type', 'title', 'status'],
        properties: {
          type: { type: 'string', enum: (Object.keys(PROBLEMS) as ProblemType[]).map(problemTypeUri) },
          title: { type: 'string' },
          status: { type: 'integer' },
          detail: { type: 'string' },
          field: { type: 'string' },
        },
      },
    },
  },
} as const;
