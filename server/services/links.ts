import type { PortalDeps } from '../deps';
import { linkEndsAt } from '../policy/accessWindow';
import { issueLinkToken } from '../policy/linkToken';
import { maskPhone, parseUkMobile } from '../policy/phone';
import { linkMessage, smsSize, untilText } from '../policy/smsMessage';
import { SMS_PAYLOAD_FIELD, type SmsPayload } from '../sms/dispatcher';
import type { FieldCipher } from '../security/fieldCipher';
import { InputError } from './inputError';

export interface SendLinkInput {
  recordingId: string;
  /** A corrected mobile number; it becomes the number on record. */
  phone?: string;
  reason?: string;
  actor: string;
}

type LinkDeps = Pick<PortalDeps, 'config' | 'clock' | 'store'> & { cipher: FieldCipher };

export function linkUrl(baseUrl: URL, token: string): string {
  return new URL(`/r/${token}`, baseUrl).toString();
}

/**
 * Issues a new link for a recording (revoking every earlier one) and queues its text message in the
 * same transaction, so a link never exists without its message, nor a message without its link.
 */
export async function sendLink(deps: LinkDeps, input: SendLinkInput): Promise<{ linkId: string; messageId: string; expiresAt: Date; url: string }> {
  const now = deps.clock();
  const recording = await deps.store.findRecording(input.recordingId);
  if (!recording || recording.deleted_at || !recording.phone_encrypted) {
    throw new InputError('recording', 'no recording with this id can be sent');
  }
  if (recording.retain_until <= now.toISOString()) {
    throw new InputError('recording', 'this recording is past its retention date and can no longer be sent');
  }
  const reason = input.reason?.trim() || 'first link';
  if (reason.length > 500) throw new InputError('reason', 'reason must be at most 500 characters');

  let phone = deps.cipher.decrypt('recordings.phone', recording.phone_encrypted);
  if (input.phone !== undefined) {
    const corrected = parseUkMobile(input.phone);
    if (!corrected.ok) throw new InputError('phone', 'not a valid UK mobile number');
    if (!input.reason?.trim()) throw new InputError('reason', 'a reason is required when sending to a corrected number');
    phone = corrected.e164;
    await deps.store.updatePhone(recording.id, deps.cipher.encrypt('recordings.phone', phone));
  }

  const token = issueLinkToken(deps.config.secrets.linkKeys);
  const expiresAt = linkEndsAt({ sentAt: now, firstDownloadAt: null }, deps.config.access);
  const url = linkUrl(deps.config.baseUrl, token.token);
  const language = recording.language === 'cy' ? 'cy' : 'en';
  const body = linkMessage(url, expiresAt, language);
  const size = smsSize(body);
  const payload: SmsPayload = { to: phone, body, url, until: untilText(expiresAt, language) };
  const { link, messageId } = await deps.store.issueLink(
    { recordingId: recording.id, tokenHash: token.tokenHash, keyId: token.keyId, phoneMasked: maskPhone(phone), issuedBy: input.actor, reason },
    { language, payloadEncrypted: deps.cipher.encrypt(SMS_PAYLOAD_FIELD, JSON.stringify(payload)), encoding: size.encoding, segments: size.segments },
    now,
  );
  return { linkId: link.id, messageId, expiresAt, url };
}
