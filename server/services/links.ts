import type { PortalDeps } from '../deps';
import { linkEndsAt } from '../policy/accessWindow';
import { issueLinkToken } from '../policy/linkToken';
import { maskPhone, parseUkMobile } from '../policy/phone';
import { recordingAvailability } from '../policy/recordingAvailability';
import { TEXTING_LIMIT } from '../policy/textingLimit';
import { linkMessage, smsSize, untilText } from '../policy/smsMessage';
import { SMS_PAYLOAD_FIELD, type SmsPayload } from '../sms/dispatcher';
import type { FieldCipher } from '../security/fieldCipher';
import type { LinkRefusal } from '../store/linkStore';
import { InputError } from './inputError';

export interface SendLinkInput {
  recordingId: string;
  /** A corrected mobile number; it becomes the number on record. */
  phone?: string;
  reason?: string;
  actor: string;
}

type LinkDeps = Pick<PortalDeps, 'config' | 'clock' | 'recordings' | 'links'> & { cipher: FieldCipher };

export function linkUrl(baseUrl: URL, token: string): string {
  return new URL(`/r/${token}`, baseUrl).toString();
}

const UNAVAILABLE: Record<Extract<LinkRefusal, { refused: 'unavailable' }>['reason'], string> = {
  deleted: 'this recording has been deleted and can no longer be sent',
  'deletion-requested': 'deletion of this recording has been requested, so it can no longer be sent',
  'past-retention': 'this recording is past its retention date and can no longer be sent',
};

const refusalMessage = (refusal: LinkRefusal) =>
  refusal.refused === 'unavailable'
    ? UNAVAILABLE[refusal.reason]
    : `this recording has been sent ${TEXTING_LIMIT.links} links in the last hour, the most it may have; the next can be sent from ${refusal.nextAllowedAt.toISOString()}`;

/** A link that was not sent, and why; nothing was changed. */
export class LinkNotSent extends InputError {
  constructor(readonly refusal: LinkRefusal) {
    super('recording', refusalMessage(refusal));
    this.name = 'LinkNotSent';
  }
}

/**
 * Issues a new link for a recording (revoking every earlier one) and queues its text message in the
 * same transaction, so a link never exists without its message, nor a message without its link.
 * The transaction decides whether the recording may be sent; the check here only answers early.
 */
export async function sendLink(deps: LinkDeps, input: SendLinkInput): Promise<{ linkId: string; messageId: string; expiresAt: Date; url: string }> {
  const now = deps.clock();
  const recording = await deps.recordings.findRecording(input.recordingId);
  if (!recording) throw new InputError('recording', 'no recording with this id can be sent');
  const availability = recordingAvailability(recording, now);
  if (!availability.available) throw new LinkNotSent({ refused: 'unavailable', reason: availability.reason });
  if (!recording.phone_encrypted) throw new InputError('recording', 'no recording with this id can be sent');
  const reason = input.reason?.trim() || 'first link';
  if (reason.length > 500) throw new InputError('reason', 'reason must be at most 500 characters');

  let phone = deps.cipher.decrypt('recordings.phone', recording.phone_encrypted);
  let phoneEncrypted: string | undefined;
  if (input.phone !== undefined) {
    const corrected = parseUkMobile(input.phone);
    if (!corrected.ok) throw new InputError('phone', 'not a valid UK mobile number');
    if (!input.reason?.trim()) throw new InputError('reason', 'a reason is required when sending to a corrected number');
    phone = corrected.e164;
    phoneEncrypted = deps.cipher.encrypt('recordings.phone', phone);
  }

  const token = issueLinkToken(deps.config.secrets.linkKeys);
  const expiresAt = linkEndsAt({ sentAt: now, firstDownloadAt: null }, deps.config.access);
  const url = linkUrl(deps.config.baseUrl, token.token);
  const language = recording.language === 'cy' ? 'cy' : 'en';
  const body = linkMessage(url, expiresAt, language);
  const size = smsSize(body);
  const payload: SmsPayload = { to: phone, body, url, until: untilText(expiresAt, language) };
  const issued = await deps.links.issueLink(
    { recordingId: recording.id, tokenHash: token.tokenHash, keyId: token.keyId, phoneMasked: maskPhone(phone), issuedBy: input.actor, reason, phoneEncrypted },
    { language, payloadEncrypted: deps.cipher.encrypt(SMS_PAYLOAD_FIELD, JSON.stringify(payload)), encoding: size.encoding, segments: size.segments },
    now,
  );
  if (!issued.issued) throw new LinkNotSent(issued.refusal);
  return { linkId: issued.link.id, messageId: issued.messageId, expiresAt, url };
}
