import { Router, type RequestHandler, type Response } from 'express';
import type { Config } from '../config';
import type { PortalDeps } from '../deps';
import { ObjectStoreUnavailable, STREAMED_UPLOAD_BUFFER_BYTES } from '../objects/s3Objects';
import type { ProviderRecordings, RegisterOutcome, SendOutcome } from '../services/providers/providerRecordings';
import { problem, send, type ApiResult } from './apiResult';
import { onceOnly, requestFingerprint, uploadFingerprint } from './idempotency';
import { providerOf } from './providerAuth';
import { declaredTooLarge, readUpload, type Upload } from './upload';
import { uploadRoom } from './uploadRoom';
import { SHUTTING_DOWN_RETRY_AFTER_SECONDS, uploadDrainGraceMs, uploadsInFlight } from './uploadsInFlight';

/** Long enough for an upload in progress to finish; short enough not to hold a provider's queue. */
const UPLOAD_RETRY_AFTER_SECONDS = 10;
/** A store that was down a moment ago: long enough for a short outage, or a failover, to be over. */
const STORE_RETRY_AFTER_SECONDS = 30;
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
  /** The instance's drain, and the bounds on how slowly an upload may arrive. */
  uploadDeps: Pick<PortalDeps, 'lifecycle'> & { config: Pick<Config, 'uploadPace' | 'shutdownTimeoutMs'> };
}

/** An answer given before the body is read (or while it still arrives): the rest of it is not read, the connection closes. */
function refuseUnread(res: Response, result: ApiResult) {
  res.setHeader('Connection', 'close');
  send(res, result);
}

const storeDown = (): ApiResult => ({
  ...problem('object-store-unavailable', 'the recordings store is not answering; nothing was stored and the Idempotency-Key is not used up'),
  retryAfterSeconds: STORE_RETRY_AFTER_SECONDS,
});

/** The answer to an upload whose body was read (or given up on), from what readUpload made of it. */
function uploadAnswer(res: Response, upload: Upload<ApiResult>, replayed: boolean): void {
  if (upload.ok) {
    if (!upload.value) return send(res, problem('invalid-field', 'the audio file is required', 'audio'));
    if (upload.value.status === 413) res.setHeader('Connection', 'close');
    return send(res, upload.value, replayed);
  }
  switch (upload.problem) {
    case 'cut-off':
      // Thrown, not answered: there is nobody to answer, and the error handler logs nothing for a 4xx.
      throw Object.assign(new Error(upload.detail), { status: 400 });
    case 'stalled':
      return refuseUnread(res, problem('upload-stalled', upload.detail));
    case 'shutting-down':
      return refuseUnread(res, { ...problem('shutting-down', upload.detail), retryAfterSeconds: SHUTTING_DOWN_RETRY_AFTER_SECONDS });
    case 'too-large':
      return refuseUnread(res, problem('too-large', upload.detail));
    default:
      return send(res, problem(upload.problem, upload.detail));
  }
}

/** /recordings: a provider's uploads (received within the room an instance has), their status, and their links. */
export function recordingRoutes(recordings: ProviderRecordings, { maxUploadBytes: maxBytes, fingerprintKey, idempotency, uploadDeps }: RecordingRouteOptions): Router {
  const router = Router();
  const uploads = uploadRoom({ capacityBytes: UPLOAD_ROOM_BYTES, bytesPerUpload: STREAMED_UPLOAD_BUFFER_BYTES });
  const inFlight = uploadsInFlight(uploadDeps.lifecycle, uploadDrainGraceMs(uploadDeps.config.shutdownTimeoutMs));
  const pace = uploadDeps.config.uploadPace;

  // Every refusal before the body is read comes before the Idempotency-Key is claimed: none is the
  // request's answer, and the same request sent again must be taken.
  router.post('/recordings', idempotency, async (req, res) => {
    if (inFlight.draining) {
      const detail = 'this server is shutting down; send the same request again (it will reach another server)';
      return refuseUnread(res, { ...problem('shutting-down', detail), retryAfterSeconds: SHUTTING_DOWN_RETRY_AFTER_SECONDS });
    }
    if (declaredTooLarge(req, maxBytes)) return refuseUnread(res, tooLarge(maxBytes));
    const room = uploads.admit(providerOf(res));
    if (!room) {
      const detail = `at most ${uploads.perProvider} uploads of one provider, and ${uploads.slots} in all, are received at once`;
      return refuseUnread(res, { ...problem('uploads-busy', detail), retryAfterSeconds: UPLOAD_RETRY_AFTER_SECONDS });
    }
    const upload = inFlight.begin();
    try {
      // A store known to be down is said at once, not after the whole file has been read.
      if (!(await recordings.storeAnswers())) return refuseUnread(res, storeDown());
      let replayed = false;
      // The key is claimed once the fields are in (they make its fingerprint), before the audio is read.
      const read = await readUpload(req, maxBytes, { pace, stop: upload.signal }, async (part) => {
        const once = await onceOnly(res)(uploadFingerprint(fingerprintKey, req, part.fields), async () => registeredAnswer(await recordings.register(providerOf(res), part)));
        replayed = once.replayed;
        return once.result;
      });
      uploadAnswer(res, read, replayed);
    } catch (error) {
      // A part the store failed (after its retries): answered at once, the rest of the body unread.
      if (error instanceof ObjectStoreUnavailable) return refuseUnread(res, storeDown());
      if (!req.complete) res.setHeader('Connection', 'close');
      throw error;
    } finally {
      // Given back when the work is done, not when the client goes: its cleanup runs until then.
      upload.end();
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
