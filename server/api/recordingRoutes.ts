import { Router, type RequestHandler } from 'express';
import { STREAMED_UPLOAD_BUFFER_BYTES } from '../objects/s3Objects';
import type { ProviderRecordings, RegisterOutcome, SendOutcome } from '../providers/providerRecordings';
import { problem, send, type ApiResult } from './apiResult';
import { onceOnly, requestFingerprint, uploadFingerprint } from './idempotency';
import { providerOf } from './providerAuth';
import { declaredTooLarge, readUpload } from './upload';
import { uploadRoom } from './uploadRoom';

/** Long enough for an upload in progress to finish; short enough not to hold a provider's queue. */
const UPLOAD_RETRY_AFTER_SECONDS = 10;
/** What an instance spends on uploads at once: each holds at most STREAMED_UPLOAD_BUFFER_BYTES, so 4 slots, 2 per provider. */
const UPLOAD_ROOM_BYTES = 64 * 1024 * 1024;

const recordingPath = (id: string) => `/api/v1/recordings/${id}`;
const tooLarge = (maxBytes: number) => problem('too-large', `the audio file must be at most ${maxBytes} bytes`);

function registeredAnswer(outcome: RegisterOutcome): ApiResult {
  if ('registered' in outcome) return { status: 201, body: outcome.registered, location: recordingPath(outcome.registered.id) };
  if (outcome.refused === 'invalid-field') return problem('invalid-field', outcome.detail, outcome.field);
  if (outcome.refused === 'duplicate-reference') return problem('duplicate-reference', undefined, 'assessmentRef');
  if (outcome.refused === 'too-large') return tooLarge(outcome.maxBytes);
  return problem(outcome.refused, outcome.detail);
}

function sentAnswer(outcome: SendOutcome, recordingId: string): ApiResult {
  if ('sent' in outcome) return { status: 201, body: outcome.sent, location: recordingPath(recordingId) };
  if (outcome.refused === 'texting-limit') return { ...problem('texting-limit', outcome.detail), retryAfterSeconds: outcome.retryAfterSeconds };
  if (outcome.refused === 'recording-unavailable') return problem('recording-unavailable', outcome.detail);
  return problem('not-found');
}

interface RecordingRouteOptions {
  maxUploadBytes: number;
  /** Keys the hash of an upload's fields for its Idempotency-Key. */
  fingerprintKey: Buffer;
  idempotency: RequestHandler;
}

/** /recordings: a provider's uploads (received within the room an instance has), their status, and their links. */
export function recordingRoutes(recordings: ProviderRecordings, { maxUploadBytes: maxBytes, fingerprintKey, idempotency }: RecordingRouteOptions): Router {
  const router = Router();
  const uploads = uploadRoom({ capacityBytes: UPLOAD_ROOM_BYTES, bytesPerUpload: STREAMED_UPLOAD_BUFFER_BYTES });

  router.post('/recordings', idempotency, async (req, res) => {
    if (declaredTooLarge(req, maxBytes)) {
      req.resume();
      res.setHeader('Connection', 'close');
      return send(res, tooLarge(maxBytes));
    }
    // Before the Idempotency-Key is claimed: "busy" is not the request's answer, and the same request
    // sent again must be taken.
    const room = uploads.admit(providerOf(res));
    if (!room) {
      req.resume();
      res.setHeader('Connection', 'close');
      const detail = `at most ${uploads.perProvider} uploads of one provider, and ${uploads.slots} in all, are received at once`;
      return send(res, { ...problem('uploads-busy', detail), retryAfterSeconds: UPLOAD_RETRY_AFTER_SECONDS });
    }
    let replayed = false;
    try {
      // The key is claimed once the fields are in (they make its fingerprint), before the audio is read.
      const upload = await readUpload(req, maxBytes, async (part) => {
        const once = await onceOnly(res)(uploadFingerprint(fingerprintKey, req, part.fields), async () => registeredAnswer(await recordings.register(providerOf(res), part)));
        replayed = once.replayed;
        return once.result;
      });
      // Thrown, not answered: there is nobody to answer, and the error handler logs nothing for a 4xx.
      if (!upload.ok && upload.problem === 'cut-off') throw Object.assign(new Error(upload.detail), { status: 400 });
      if (!upload.ok) {
        if (upload.problem === 'too-large') res.setHeader('Connection', 'close');
        return send(res, problem(upload.problem, upload.detail));
      }
      if (!upload.value) return send(res, problem('invalid-field', 'the audio file is required', 'audio'));
      if (upload.value.status === 413) res.setHeader('Connection', 'close');
      send(res, upload.value, replayed);
    } finally {
      // Given back when the work is done, not when the client goes: its cleanup runs until then.
      room.release();
    }
  });

  router.get('/recordings/:id', async (req, res) => {
    const found = await recordings.find(providerOf(res), String(req.params.id));
    send(res, found ? { status: 200, body: found } : problem('not-found'));
  });

  // A refusal under the texting limit says when to try again, so the same request (and its
  // Idempotency-Key) can be sent again once the hour has room.
  router.post('/recordings/:id/links', idempotency, async (req, res) => {
    req.resume();
    const recordingId = String(req.params.id);
    const { result, replayed } = await onceOnly(res)(requestFingerprint(req), async () => sentAnswer(await recordings.sendLink(providerOf(res), recordingId), recordingId));
    send(res, result, replayed);
  });

  return router;
}
