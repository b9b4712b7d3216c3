import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { Router, type NextFunction, type Request, type Response } from 'express';
import type { PortalDeps } from '../deps';
import { linkAccess, linkEndsAt } from '../policy/accessWindow';
import { recordingAvailability } from '../policy/recordingAvailability';
import type { PortalServices } from '../services';
import { InputError } from '../services/inputError';
import { AudioRefused } from '../services/audioIngest';
import { LinkNotSent } from '../services/links';
import { ASSESSMENT_REF_PATTERN } from '../services/recordings';
import { STREAMED_UPLOAD_BUFFER_BYTES } from '../objects/s3Objects';
import { dependencyFailure, isDependencyUnavailable } from '../errors';
import { ProviderStore } from '../store/providerStore';
import { StaffStore } from '../store/staffStore';
import type { RecordingRow } from '../store/recordingStore';
import { OPENAPI_DOCUMENT } from './openapi';
import { problemBody, type ProblemType } from './problems';
import { declaredTooLarge, readUpload, type AudioPart } from './upload';
import { uploadRoom } from './uploadRoom';

/** API keys are shown once and kept only as SHA-256: 256 random bits need no slow hash. */
export const apiKeyHash = (key: string) => createHash('sha256').update(key).digest('hex');
const API_KEY_PATTERN = /^rk_[A-Za-z0-9_-]{43}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;
/** Long enough for an upload in progress to finish; short enough not to hold a provider's queue. */
const UPLOAD_RETRY_AFTER_SECONDS = 10;
/** What an instance spends on uploads at once: each holds at most STREAMED_UPLOAD_BUFFER_BYTES, so 4 slots, 2 per provider. */
const UPLOAD_ROOM_BYTES = 64 * 1024 * 1024;

interface ApiResult {
  status: number;
  body: object;
  location?: string;
}

const problem = (type: ProblemType, detail?: string, field?: string): ApiResult => {
  const body = problemBody(type, detail, field);
  return { status: body.status, body };
};

function send(res: Response, result: ApiResult, replayed = false) {
  if (result.location) res.setHeader('Location', result.location);
  if (replayed) res.setHeader('Idempotent-Replayed', 'true');
  res
    .status(result.status)
    .type(result.status >= 400 ? 'application/problem+json' : 'application/json')
    .send(JSON.stringify(result.body));
}

const isTextingLimit = (error: unknown): error is LinkNotSent & { refusal: { refused: 'texting-limit' } } =>
  error instanceof LinkNotSent && error.refusal.refused === 'texting-limit';

/** Provider organisations and their API keys (for the operator CLI). */
export function providerAccounts(deps: Pick<PortalDeps, 'clock' | 'store'>) {
  const providers = new ProviderStore(deps.store.db);
  return {
    async add(nameInput: unknown, actor: string) {
      const name = typeof nameInput === 'string' ? nameInput.trim() : '';
      if (!/^[\w .&'()-]{2,100}$/.test(name)) throw new InputError('name', 'must be 2 to 100 letters, digits, spaces or . & \' ( ) -');
      if (await providers.findProviderByName(name)) throw new InputError('name', 'a provider with this name already exists');
      const id = randomUUID();
      const apiKey = `rk_${randomBytes(32).toString('base64url')}`;
      const now = deps.clock();
      await providers.addProvider({ id, name, keyHash: apiKeyHash(apiKey) }, now);
      await deps.store.recordEvent(now, { type: 'provider.created', actor, detail: { providerId: id, name } });
      return { providerId: id, name, apiKey };
    },

    /** Revokes every key of the named provider: its systems get 401 from the next request. */
    async revoke(nameInput: unknown, actor: string) {
      const provider = typeof nameInput === 'string' ? await providers.findProviderByName(nameInput.trim()) : undefined;
      if (!provider) throw new InputError('name', 'no provider with this name');
      const now = deps.clock();
      const revokedKeys = await providers.revokeKeys(provider.id, now);
      await deps.store.recordEvent(now, { type: 'provider.keys-revoked', actor, detail: { providerId: provider.id, revokedKeys } });
      return { providerId: provider.id, revokedKeys };
    },
  };
}

/**
 * The assessment provider API under /api/v1: bearer API keys scoped to the provider's own
 * recordings, multipart uploads checked before anything is stored, idempotent POSTs, and errors
 * as problem+json. Responses carry no personal data.
 */
export function providerApiRoutes(deps: PortalDeps, services: Pick<PortalServices, 'registerRecording' | 'sendLink'>): Router {
  const router = Router();
  const providers = new ProviderStore(deps.store.db);
  const staffStore = new StaffStore(deps.store.db);
  const providerOf = (res: Response): string => res.locals.providerId;

  async function recordingView(recording: RecordingRow) {
    const now = deps.clock();
    const available = recordingAvailability(recording, now).available;
    const [latest] = (await staffStore.linksOf(recording.id)).sort((a, b) => Number(a.revoked_at !== null) - Number(b.revoked_at !== null));
    let latestLink = null;
    if (latest) {
      const facts = {
        sentAt: new Date(latest.sent_at),
        firstDownloadAt: latest.first_download_at ? new Date(latest.first_download_at) : null,
        revokedAt: latest.revoked_at ? new Date(latest.revoked_at) : null,
        lockedAt: latest.locked_at ? new Date(latest.locked_at) : null,
        recordingAvailable: available,
      };
      const message = await deps.outbox.latestForLink(latest.id);
      latestLink = {
        id: latest.id,
        sentAt: latest.sent_at,
        expiresAt: linkEndsAt(facts, deps.config.access).toISOString(),
        state: linkAccess(facts, now, deps.config.access).state,
        textMessage: message?.delivery_status ?? message?.status ?? 'unknown',
      };
    }
    return {
      id: recording.id,
      assessmentRef: recording.assessment_ref,
      recordedAt: recording.recorded_at,
      sizeBytes: recording.size_bytes,
      sha256: recording.sha256,
      contentType: recording.content_type,
      status: available ? 'available' : 'unavailable',
      latestLink,
    };
  }

  /** The provider's own recording, or nothing: another provider's recording is "not found", never "forbidden". */
  async function ownRecording(res: Response, id: string): Promise<RecordingRow | undefined> {
    if (!UUID.test(id) || !(await providers.ownsRecording(providerOf(res), id))) return undefined;
    return deps.store.findRecording(id);
  }

  /**
   * Claims the request's Idempotency-Key for a request with this fingerprint: `run` does the work
   * once and stores its answer; otherwise the answer to send (the stored first response, "in
   * progress", or 422 for a key sent before with a different request, as draft-ietf-httpapi-idempotency-key-header says).
   */
  async function claimKey(req: Request, res: Response, fingerprint: string): Promise<{ run(work: () => Promise<ApiResult>): Promise<ApiResult> } | { answer: ApiResult; replayed: boolean }> {
    const key = req.get('Idempotency-Key');
    if (key === undefined) return { run: (work) => work() };
    if (!IDEMPOTENCY_KEY.test(key)) return { answer: problem('bad-request', 'Idempotency-Key must be 1 to 255 printable ASCII characters'), replayed: false };
    const providerId = providerOf(res);
    const claim = await providers.claimIdempotencyKey(providerId, key, fingerprint, deps.clock());
    if (claim.state === 'replay') return { answer: { status: claim.statusCode, body: JSON.parse(claim.body) }, replayed: true };
    if (claim.state === 'in-progress') return { answer: problem('idempotency-key-in-progress'), replayed: false };
    if (claim.state === 'different-request') {
      return { answer: problem('idempotency-key-mismatch', 'this Idempotency-Key was first sent with a different request; use a new key for a new request'), replayed: false };
    }
    return {
      async run(work) {
        let result: ApiResult;
        try {
          result = await work();
        } catch (error) {
          // A failure on our side (or a client that went) frees the key for a retry.
          await providers.releaseIdempotencyKey(providerId, key).catch(() => {});
          throw error;
        }
        await providers.completeIdempotencyKey(providerId, key, result.status, JSON.stringify(result.body));
        return result;
      },
    };
  }

  /** Runs a bodiless POST once per Idempotency-Key: a repeat gets the stored first response. */
  async function idempotent(req: Request, res: Response, work: () => Promise<ApiResult>) {
    const claim = await claimKey(req, res, `${req.method} ${req.baseUrl}${req.path}`);
    if ('answer' in claim) {
      req.resume();
      return send(res, claim.answer, claim.replayed);
    }
    send(res, await claim.run(work));
  }

  /**
   * An upload's fingerprint: method, path, declared Content-Length and the form fields, which come
   * before the file (the declared sha256 among them). It is known before the file is read, so a
   * replay is answered without receiving (or hashing) the audio again. A keyed hash, since the fields
   * hold a NINO and a mobile number.
   */
  const uploadFingerprint = (req: Request, fields: Record<string, string>) =>
    createHmac('sha256', deps.config.secrets.ninoIndexKey)
      .update('idempotency-fingerprint\0')
      .update(JSON.stringify([req.method, `${req.baseUrl}${req.path}`, req.get('Content-Length') ?? null, Object.entries(fields).sort(([a], [b]) => a.localeCompare(b))]))
      .digest('hex');

  router.get('/openapi.json', (_req, res) => {
    res.type('application/json').send(JSON.stringify(OPENAPI_DOCUMENT));
  });

  router.use(async (req, res, next) => {
    const match = /^Bearer (\S+)$/.exec(req.get('Authorization') ?? '');
    const providerId = match && API_KEY_PATTERN.test(match[1]) ? await providers.providerForKey(apiKeyHash(match[1])) : undefined;
    if (!providerId) {
      req.resume();
      res.setHeader('WWW-Authenticate', 'Bearer');
      return send(res, problem('unauthorised'));
    }
    res.locals.providerId = providerId;
    next();
  });

  const uploads = uploadRoom({ capacityBytes: UPLOAD_ROOM_BYTES, bytesPerUpload: STREAMED_UPLOAD_BUFFER_BYTES });
  const maxBytes = deps.config.apiMaxUploadBytes;

  /** Fields checked as soon as the file starts, so a bad request is refused before its audio is sent on. */
  function fieldProblem(fields: Record<string, string>): ApiResult | undefined {
    for (const name of ['assessmentRef', 'nino', 'mobile'] as const) {
      if (!fields[name]) return problem('invalid-field', `${name} is required (send the fields before the audio file)`, name);
    }
    if (fields.language !== undefined && fields.language !== 'en' && fields.language !== 'cy') return problem('invalid-field', 'language must be en or cy', 'language');
    if (fields.recordedAt !== undefined && Number.isNaN(new Date(fields.recordedAt).getTime())) {
      return problem('invalid-field', 'recordedAt must be an ISO 8601 date and time', 'recordedAt');
    }
    if (fields.sha256 !== undefined && !/^[0-9a-f]{64}$/.test(fields.sha256)) return problem('invalid-field', 'sha256 must be 64 lowercase hexadecimal digits', 'sha256');
    return undefined;
  }

  async function register(res: Response, { fields, audio, bodyRead }: AudioPart): Promise<ApiResult> {
    if (ASSESSMENT_REF_PATTERN.test(fields.assessmentRef) && (await deps.store.findRecordingByRef(fields.assessmentRef))) {
      return problem('duplicate-reference', undefined, 'assessmentRef');
    }
    let recordingId: string;
    try {
      ({ recordingId } = await services.registerRecording({
        audio,
        maxBytes,
        // Stored only once the rest of the body is in and well-formed, and the checksum sent matches.
        async confirmAudio({ sha256 }) {
          await bodyRead();
          if (fields.sha256 !== undefined && fields.sha256 !== sha256) throw new InputError('sha256', 'the SHA-256 sent does not match the audio received');
        },
        assessmentRef: fields.assessmentRef,
        nino: fields.nino,
        phone: fields.mobile,
        recordedAt: fields.recordedAt !== undefined ? new Date(fields.recordedAt) : undefined,
        language: fields.language === 'cy' ? 'cy' : 'en',
        actor: `provider:${providerOf(res)}`,
        providerId: providerOf(res),
      }));
    } catch (error) {
      if (error instanceof AudioRefused) {
        if (error.problem === 'too-large') return problem('too-large', `the audio file must be at most ${maxBytes} bytes`);
        return problem(error.problem, error.message);
      }
      if (!(error instanceof InputError)) throw error;
      const field = { ref: 'assessmentRef', phone: 'mobile', 'recorded-at': 'recordedAt', file: 'audio' }[error.field] ?? error.field;
      return problem('invalid-field', error.message, field);
    }
    const recording = (await deps.store.findRecording(recordingId))!;
    return { status: 201, body: await recordingView(recording), location: `/api/v1/recordings/${recordingId}` };
  }

  router.post('/recordings', async (req, res) => {
    if (declaredTooLarge(req, maxBytes)) {
      req.resume();
      res.setHeader('Connection', 'close');
      return send(res, problem('too-large', `the audio file must be at most ${maxBytes} bytes`));
    }
    // Before the Idempotency-Key is claimed: "busy" is not the request's answer, and the same request
    // sent again must be taken.
    const room = uploads.admit(providerOf(res));
    if (!room) {
      req.resume();
      res.setHeader('Retry-After', String(UPLOAD_RETRY_AFTER_SECONDS));
      res.setHeader('Connection', 'close');
      return send(res, problem('uploads-busy', `at most ${uploads.perProvider} uploads of one provider, and ${uploads.slots} in all, are received at once`));
    }
    let replayed = false;
    try {
      // The key is claimed once the fields are in (they make its fingerprint), before the audio is read.
      const upload = await readUpload(req, maxBytes, async (part): Promise<ApiResult> => {
        const refused = fieldProblem(part.fields);
        if (refused) return refused;
        const claim = await claimKey(req, res, uploadFingerprint(req, part.fields));
        if ('answer' in claim) {
          replayed = claim.replayed;
          return claim.answer;
        }
        return claim.run(() => register(res, part));
      });
      // Thrown, not answered: there is nobody to answer, and the error handler logs nothing for a 4xx.
      if (!upload.ok && upload.problem === 'cut-off') throw Object.assign(new Error(upload.detail), { status: 400 });
      if (!upload.ok) {
        if (upload.problem === 'too-large') res.setHeader('Connection', 'close');
        return send(res, problem(upload.problem, upload.detail));
      }
      if (!upload.value) return send(res, fieldProblem(upload.fields) ?? problem('invalid-field', 'the audio file is required', 'audio'));
      if (upload.value.status === 413) res.setHeader('Connection', 'close');
      send(res, upload.value, replayed);
    } finally {
      // Given back when the work is done, not when the client goes: its cleanup runs until then.
      room.release();
    }
  });

  router.get('/recordings/:id', async (req, res) => {
    const recording = await ownRecording(res, String(req.params.id));
    send(res, recording ? { status: 200, body: await recordingView(recording) } : problem('not-found'));
  });

  // A refusal under the texting limit is thrown through `idempotent`, so the same request (and its
  // Idempotency-Key) can be sent again once the hour has room.
  router.post('/recordings/:id/links', async (req, res) => {
    try {
      await idempotent(req, res, async () => {
        req.resume();
        const recording = await ownRecording(res, String(req.params.id));
        if (!recording) return problem('not-found');
        try {
          await services.sendLink({ recordingId: recording.id, reason: 'requested by the assessment provider', actor: `provider:${providerOf(res)}` });
        } catch (error) {
          if (!(error instanceof InputError) || isTextingLimit(error)) throw error;
          return problem('recording-unavailable', error.message);
        }
        const view = await recordingView((await deps.store.findRecording(recording.id))!);
        return { status: 201, body: view.latestLink!, location: `/api/v1/recordings/${recording.id}` };
      });
    } catch (error) {
      if (!isTextingLimit(error)) throw error;
      const seconds = Math.ceil((error.refusal.nextAllowedAt.getTime() - deps.clock().getTime()) / 1000);
      res.setHeader('Retry-After', String(Math.max(1, seconds)));
      send(res, problem('texting-limit', error.message));
    }
  });

  router.use((_req, res) => send(res, problem('not-found')));

  router.use((error: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error);
    const status = (error as { status?: unknown })?.status;
    if (typeof status === 'number' && status >= 400 && status < 500) return send(res, problem(status === 413 ? 'too-large' : 'bad-request'));
    if (isDependencyUnavailable(error)) {
      deps.logger.warn({ err: dependencyFailure(error) }, 'dependency unavailable');
      return send(res, problem('service-unavailable'));
    }
    deps.logger.error({ err: { name: (error as Error)?.name, message: (error as Error)?.message } }, 'provider API error');
    send(res, problem('server-error'));
  });

  return router;
}
