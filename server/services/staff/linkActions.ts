import { TEXTING_LIMIT } from '../../policy/textingLimit';
import { InputError } from '../inputError';
import { LinkNotSent } from '../links';
import type { StaffMember } from './staffCredentials';
import { staffDateTime } from '../../pages/staff/staffDates';
import { looksLikeId, recordingOrFail, requiredReason, type ConsoleDeps } from './staffRecords';

/** What staff do with a claimant's links: send a new one, or unlock one locked by wrong NINOs. */
export function staffLinkActions(deps: Pick<ConsoleDeps, 'clock' | 'links' | 'recordings' | 'sendLink'>) {
  return {
    /** A new link (revoking the earlier ones), to the number on record or a corrected one after identity checks. */
    async reissue(staff: StaffMember, recordingId: string, input: { reason: unknown; phone: unknown; identityChecked: unknown }) {
      const reason = requiredReason(input.reason);
      const phone = typeof input.phone === 'string' && input.phone.trim() !== '' ? input.phone : undefined;
      if (phone !== undefined && input.identityChecked !== 'yes') {
        throw new InputError('identityChecked', 'Confirm you have done the identity checks before sending to a new number');
      }
      await recordingOrFail(deps, recordingId);
      try {
        const sent = await deps.sendLink({ recordingId, phone, reason, actor: staff.id });
        return { linkId: sent.linkId, expiresAt: sent.expiresAt };
      } catch (error) {
        if (!(error instanceof LinkNotSent) || error.refusal.refused !== 'texting-limit') throw error;
        throw new InputError(
          'recording',
          `This recording has been sent ${TEXTING_LIMIT.links} links in the last hour, the most it may have. You can send the next one from ${staffDateTime(error.refusal.nextAllowedAt)} (UK time), or record a postal copy.`,
        );
      }
    },

    async unlockLink(staff: StaffMember, linkId: string, reasonInput: unknown): Promise<{ recordingId: string }> {
      const reason = requiredReason(reasonInput);
      const link = looksLikeId(linkId) ? await deps.links.findLink(linkId) : undefined;
      if (!link) throw new InputError('link', 'no such link');
      if (!(await deps.links.unlockLink(link.id, deps.clock(), staff.id, reason))) throw new InputError('link', 'This link is not locked');
      return { recordingId: link.recording_id };
    },
  };
}

export type StaffLinkActions = ReturnType<typeof staffLinkActions>;
