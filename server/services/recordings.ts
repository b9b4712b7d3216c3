import { createHash, randomUUID } from 'node:crypto';
import type { PortalDeps } from '../deps';
import { dependencyFailure } from '../observability/dependencyFailure';
import { detectAudioFormat } from '../policy/audioFormat';
import { parseNino } from '../policy/nino';
import { parseUkMobile } from '../policy/phone';
import { retainUntil } from '../policy/retention';
import type { FieldCipher } from '../security/fieldCipher';
import type { ManifestSigner } from '../security/manifestSigner';
import type { NinoHasher } from '../security/ninoHasher';
import { InputError } from './inputError';

export const ASSESSMENT_REF_PATTERN = /^[A-Za-z0-9][A-Za-z0-9-]{2,39}$/;
const MAX_AUDIO_BYTES = 500 * 1024 * 1024;

export interface NewRecordingInput {
  audio: Buffer;
  assessmentRef: string;
  nino: string;
  phone: string;
  recordedAt?: Date;
  language?: 'en' | 'cy';
  actor: string;
  /** Set when an assessment provider sends it through the API: the provider owns it. */
  providerId?: string;
}

type RecordingDeps = Pick<PortalDeps, 'config' | 'clock' | 'store' | 'objects' | 'logger'> & { ninoHasher: NinoHasher; cipher: FieldCipher; manifests: ManifestSigner };

/**
 * Registers a recording: checks every input before anything is written, stores the audio with its
 * SHA-256, and keeps the NINO only as an argon2id hash and blind index and the mobile only encrypted.
 */
export async function registerRecording(deps: RecordingDeps, input: NewRecordingInput): Promise<{ recordingId: string }> {
  const now = deps.clock();
  if (!ASSESSMENT_REF_PATTERN.test(input.assessmentRef)) {
    throw new InputError('ref', 'assessment reference must be 3 to 40 letters, digits or hyphens');
  }
  const nino = parseNino(input.nino);
  if (!nino.ok) throw new InputError('nino', 'not a valid National Insurance number');
  const phone = parseUkMobile(input.phone);
  if (!phone.ok) throw new InputError('phone', 'not a valid UK mobile number');
  const recordedAt = input.recordedAt ?? now;
  if (Number.isNaN(recordedAt.getTime()) || recordedAt.getTime() > now.getTime()) {
    throw new InputError('recorded-at', 'must be a valid date and time that is not in the future');
  }
  if (input.audio.length > MAX_AUDIO_BYTES) throw new InputError('file', 'audio file is larger than 500 MB');
  const format = detectAudioFormat(input.audio);
  if (!format) throw new InputError('file', 'file is not a recognised audio format (WAV, MP3, M4A, OGG or FLAC)');
  if (await deps.store.findRecordingByRef(input.assessmentRef)) {
    throw new InputError('ref', 'a recording with this assessment reference already exists');
  }

  const id = randomUUID();
  const sha256 = createHash('sha256').update(input.audio).digest('hex');
  const objectKey = `recordings/${id}.${format.extension}`;
  const manifest = await deps.manifests.sign({
    assessmentRef: input.assessmentRef,
    recordedAt: recordedAt.toISOString(),
    sizeBytes: input.audio.length,
    sha256,
    issuedAt: now.toISOString(),
  });
  try {
    await deps.objects.put(objectKey, input.audio, format.contentType, sha256);
    await deps.store.addRecording(
      {
        id,
        assessment_ref: input.assessmentRef,
        recorded_at: recordedAt.toISOString(),
        retain_until: retainUntil(recordedAt, deps.config.retentionMonths).toISOString(),
        object_key: objectKey,
        content_type: format.contentType,
        size_bytes: input.audio.length,
        sha256,
        duration_seconds: format.durationSeconds ?? null,
        nino_hash: await deps.ninoHasher.hash(nino.nino),
        nino_index: deps.ninoHasher.blindIndex(nino.nino),
        phone_encrypted: deps.cipher.encrypt('recordings.phone', phone.e164),
        language: input.language ?? 'en',
        manifest,
      },
      now,
      input.actor,
      input.providerId,
    );
  } catch (error) {
    // Not registered, so nothing may keep its audio (retention would never find it): the object goes,
    // even when the put itself failed, since a put that timed out may still have been stored.
    await deps.objects.deleteEverywhere(objectKey).catch((cleanupError: unknown) => {
      deps.logger.error({ objectKey, err: dependencyFailure(cleanupError) }, 'audio of a recording that was not registered may be left in the bucket (the delete failed)');
    });
    throw error;
  }
  return { recordingId: id };
}
