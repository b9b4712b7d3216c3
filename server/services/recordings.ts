import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { PortalDeps } from '../deps';
import { dependencyFailure } from '../errors';
import { parseNino } from '../policy/nino';
import { parseUkMobile } from '../policy/phone';
import { recordedAtProblem } from '../policy/recordedAt';
import { retainUntil } from '../policy/retention';
import type { FieldCipher } from '../security/fieldCipher';
import type { ManifestSigner } from '../security/manifestSigner';
import type { NinoHasher } from '../security/ninoHasher';
import { ingestAudio, type IngestedAudio } from './audioIngest';
import { InputError } from './inputError';

export const ASSESSMENT_REF_PATTERN = /^[A-Za-z0-9][A-Za-z0-9-]{2,39}$/;
/** The largest recording ingest takes: a 90-minute 48 kHz stereo WAV is about 1 GB. */
export const MAX_AUDIO_BYTES = 2 * 1024 * 1024 * 1024;

export interface NewRecordingInput {
  /** Streamed to the bucket as it is read: a Buffer only for audio already in memory. */
  audio: Readable | Buffer;
  /** Smaller than MAX_AUDIO_BYTES where the caller says so (the provider API's API_MAX_UPLOAD_MB). */
  maxBytes?: number;
  /**
   * Called once the whole file is in and its container checked, before it is stored: rejects to
   * refuse it (e.g. a declared SHA-256 that does not match, or the rest of the request unreadable).
   */
  confirmAudio?: (received: { sha256: string; sizeBytes: number }) => Promise<void>;
  assessmentRef: string;
  nino: string;
  phone: string;
  recordedAt?: Date;
  language?: 'en' | 'cy';
  actor: string;
  /** Set when an assessment provider sends it through the API: the provider owns it. */
  providerId?: string;
}

type RecordingDeps = Pick<PortalDeps, 'config' | 'clock' | 'recordings' | 'objects' | 'logger'> & { ninoHasher: NinoHasher; cipher: FieldCipher; manifests: ManifestSigner };

/** The inputs checked, before anything is written: each refusal is an InputError naming the field. */
async function checkedInputs(deps: RecordingDeps, input: NewRecordingInput, now: Date) {
  if (!ASSESSMENT_REF_PATTERN.test(input.assessmentRef)) {
    throw new InputError('ref', 'assessment reference must be 3 to 40 letters, digits or hyphens');
  }
  const nino = parseNino(input.nino);
  if (!nino.ok) throw new InputError('nino', 'not a valid National Insurance number');
  const phone = parseUkMobile(input.phone);
  if (!phone.ok) throw new InputError('phone', 'not a valid UK mobile number');
  const recordedAt = input.recordedAt ?? now;
  const recordedAtRefusal = recordedAtProblem(recordedAt, now, deps.config.retentionMonths);
  if (recordedAtRefusal) throw new InputError('recorded-at', recordedAtRefusal);
  if (await deps.recordings.findRecordingByRef(input.assessmentRef)) {
    throw new InputError('ref', 'a recording with this assessment reference already exists');
  }
  return { nino: nino.nino, e164: phone.e164, recordedAt };
}

/** Streams the audio to the bucket under the recording's id; what a failed put may have left is deleted. */
async function ingestOriginal(deps: RecordingDeps, id: string, input: NewRecordingInput): Promise<IngestedAudio> {
  let objectKey: string | undefined;
  try {
    return await ingestAudio(deps.objects, input.audio, {
      maxBytes: Math.min(input.maxBytes ?? MAX_AUDIO_BYTES, MAX_AUDIO_BYTES),
      keyFor: (format) => (objectKey = `recordings/${id}.${format.extension}`),
      confirm: input.confirmAudio,
      ffmpegPath: deps.config.ffmpegPath,
    });
  } catch (error) {
    // A put that timed out may still have been stored; a refused file left nothing behind.
    if (objectKey && !(error instanceof InputError)) await deleteUnregistered(deps, objectKey);
    throw error;
  }
}

/**
 * Registers a recording: checks every input before anything is written, streams the audio to the
 * bucket (taking its SHA-256 and its facts on the way) and registers it only once the whole file has
 * been checked, and keeps the NINO only as an argon2id hash and blind index and the mobile only encrypted.
 */
export async function registerRecording(deps: RecordingDeps, input: NewRecordingInput): Promise<{ recordingId: string }> {
  const now = deps.clock();
  const { nino, e164, recordedAt } = await checkedInputs(deps, input, now);
  const id = randomUUID();
  const audio = await ingestOriginal(deps, id, input);
  try {
    const manifest = await deps.manifests.sign({
      assessmentRef: input.assessmentRef,
      recordedAt: recordedAt.toISOString(),
      sizeBytes: audio.sizeBytes,
      sha256: audio.sha256,
      issuedAt: now.toISOString(),
    });
    await deps.recordings.addRecording(
      {
        id,
        assessment_ref: input.assessmentRef,
        recorded_at: recordedAt.toISOString(),
        retain_until: retainUntil(recordedAt, deps.config.retentionMonths).toISOString(),
        object_key: audio.objectKey,
        content_type: audio.format.contentType,
        size_bytes: audio.sizeBytes,
        sha256: audio.sha256,
        duration_seconds: audio.facts.durationSeconds,
        codec: audio.facts.codec,
        sample_rate: audio.facts.sampleRate,
        channels: audio.facts.channels,
        bitrate: audio.facts.bitrate,
        nino_hash: await deps.ninoHasher.hash(nino),
        nino_index: deps.ninoHasher.blindIndex(nino),
        phone_encrypted: deps.cipher.encrypt('recordings.phone', e164),
        language: input.language ?? 'en',
        manifest,
      },
      now,
      input.actor,
      input.providerId,
    );
  } catch (error) {
    await deleteUnregistered(deps, audio.objectKey);
    throw error;
  }
  return { recordingId: id };
}

/** Not registered, so nothing may keep its audio (retention would never find it). */
async function deleteUnregistered(deps: RecordingDeps, objectKey: string) {
  await deps.objects.deleteEverywhere(objectKey).catch((cleanupError: unknown) => {
    deps.logger.error({ objectKey, err: dependencyFailure(cleanupError) }, 'audio of a recording that was not registered may be left in the bucket (the delete failed)');
  });
}
