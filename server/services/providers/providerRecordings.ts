import type { Readable } from 'node:stream';
import type { PortalDeps } from '../../deps';
import type { PortalServices } from '..';
import { ObjectStoreUnavailable } from '../../objects/s3Objects';
import { AudioRefused } from '../audioIngest';
import { InputError } from '../inputError';
import { LinkNotSent } from '../links';
import { recordingFromText } from '../recordingText';
import type { ProviderStore } from '../../store/providerStore';
import type { RecordingRow } from '../../store/recordingStore';
import { providerRecordingView, type ProviderLinkView, type ProviderRecordingView, type ProviderViewDeps } from './recordingView';
import { isUuid } from '../../policy/uuid';

const SHA256_HEX = /^[0-9a-f]{64}$/;
/** registerRecording's names for what it refuses, as a provider's form calls them. */
const FORM_FIELD: Record<string, string> = { ref: 'assessmentRef', phone: 'mobile', 'recorded-at': 'recordedAt', file: 'audio' };

/** A recording as a provider sends it: the form's fields (text, unchecked), then its audio. */
export interface ProviderUpload {
  fields: Partial<Record<'assessmentRef' | 'nino' | 'mobile' | 'recordedAt' | 'language' | 'sha256', string>>;
  audio: Readable;
  /** Resolves once the rest of the request is in and well-formed; the audio is stored only then. */
  bodyRead: () => Promise<void>;
}

export type RegisterOutcome =
  | { registered: ProviderRecordingView }
  | { refused: 'invalid-field'; field: string; detail: string }
  | { refused: 'duplicate-reference' }
  | { refused: 'too-large'; maxBytes: number }
  | { refused: 'not-audio' | 'audio-unreadable'; detail: string };

export type SendOutcome =
  | { sent: ProviderLinkView }
  | { refused: 'not-found' }
  | { refused: 'recording-unavailable'; detail: string }
  | { refused: 'texting-limit'; detail: string; retryAfterSeconds: number };

type ProviderRecordingDeps = ProviderViewDeps &
  Pick<PortalDeps, 'recordings' | 'objects'> &
  Pick<PortalServices, 'registerRecording' | 'sendLink'> & { providers: Pick<ProviderStore, 'ownsRecording'> };

async function registerRefusal(error: unknown, assessmentRef: string | undefined, deps: Pick<ProviderRecordingDeps, 'recordings' | 'config'>): Promise<RegisterOutcome> {
  if (error instanceof AudioRefused) {
    return error.problem === 'too-large' ? { refused: 'too-large', maxBytes: deps.config.apiMaxUploadBytes } : { refused: error.problem, detail: error.message };
  }
  if (!(error instanceof InputError)) throw error;
  // registerRecording refuses a reference that is taken as it refuses a malformed one; a provider is told which.
  if (error.field === 'ref' && assessmentRef && (await deps.recordings.findRecordingByRef(assessmentRef))) return { refused: 'duplicate-reference' };
  return { refused: 'invalid-field', field: FORM_FIELD[error.field] ?? error.field, detail: error.message };
}

function sendRefusal(error: unknown, now: Date): SendOutcome {
  if (error instanceof LinkNotSent && error.refusal.refused === 'texting-limit') {
    const seconds = Math.ceil((error.refusal.nextAllowedAt.getTime() - now.getTime()) / 1000);
    return { refused: 'texting-limit', detail: error.message, retryAfterSeconds: Math.max(1, seconds) };
  }
  if (!(error instanceof InputError)) throw error;
  return { refused: 'recording-unavailable', detail: error.message };
}

/** Whether the object store answers: false when it is down, any other failure thrown as it is. */
function objectStoreAnswers(objects: ProviderRecordingDeps['objects']): Promise<boolean> {
  return objects.ping().then(
    () => true,
    (error: unknown) => {
      if (error instanceof ObjectStoreUnavailable) return false;
      throw error;
    },
  );
}

/**
 * What an assessment provider does with recordings: registers its own (up to the API's size limit),
 * has their links sent, and reads how they stand. Each answer is an outcome, never personal data.
 */
export function providerRecordings(deps: ProviderRecordingDeps) {
  const view = providerRecordingView(deps);
  const maxBytes = deps.config.apiMaxUploadBytes;

  /** The provider's own recording, or nothing: another provider's recording is "not found", never "forbidden". */
  async function ownRecording(providerId: string, recordingId: string): Promise<RecordingRow | undefined> {
    if (!isUuid(recordingId) || !(await deps.providers.ownsRecording(providerId, recordingId))) return undefined;
    return deps.recordings.findRecording(recordingId);
  }

  return {
    find: async (providerId: string, recordingId: string): Promise<ProviderRecordingView | undefined> => {
      const recording = await ownRecording(providerId, recordingId);
      return recording && view(recording);
    },

    async register(providerId: string, { fields, audio, bodyRead }: ProviderUpload): Promise<RegisterOutcome> {
      if (fields.sha256 !== undefined && !SHA256_HEX.test(fields.sha256)) return { refused: 'invalid-field', field: 'sha256', detail: 'must be 64 lowercase hexadecimal digits' };
      let recordingId: string;
      try {
        const { assessmentRef, nino, mobile: phone, recordedAt, language } = fields;
        ({ recordingId } = await deps.registerRecording({
          ...recordingFromText({ assessmentRef, nino, phone, recordedAt, language }),
          audio,
          maxBytes,
          // Stored only once the rest of the body is in and well-formed, and the checksum sent matches.
          async confirmAudio({ sha256 }) {
            await bodyRead();
            if (fields.sha256 !== undefined && fields.sha256 !== sha256) throw new InputError('sha256', 'the SHA-256 sent does not match the audio received');
          },
          actor: `provider:${providerId}`,
          providerId,
        }));
      } catch (error) {
        return registerRefusal(error, fields.assessmentRef, deps);
      }
      return { registered: await view((await deps.recordings.findRecording(recordingId))!) };
    },

    /** Whether the store the audio goes to answers now: asked before an upload's body is read. */
    storeAnswers: (): Promise<boolean> => objectStoreAnswers(deps.objects),

    async sendLink(providerId: string, recordingId: string): Promise<SendOutcome> {
      const recording = await ownRecording(providerId, recordingId);
      if (!recording) return { refused: 'not-found' };
      try {
        await deps.sendLink({ recordingId: recording.id, reason: 'requested by the assessment provider', actor: `provider:${providerId}` });
      } catch (error) {
        return sendRefusal(error, deps.clock());
      }
      const { latestLink } = await view((await deps.recordings.findRecording(recording.id))!);
      return { sent: latestLink! };
    },
  };
}

export type ProviderRecordings = ReturnType<typeof providerRecordings>;
