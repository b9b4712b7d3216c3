import type { PortalDeps } from '../deps';
import { translator } from '../i18n';
import { linkAccess } from '../policy/accessWindow';
import { parseNino } from '../policy/nino';
import { maskPhone } from '../policy/phone';
import { recordingAvailability } from '../policy/recordingAvailability';
import { TEXTING_LIMIT } from '../policy/textingLimit';
import type { FieldCipher } from '../security/fieldCipher';
import type { NinoHasher } from '../security/ninoHasher';
import type { PortalServices } from '../services';
import { InputError } from '../services/inputError';
import { LinkNotSent } from '../services/links';
import { ASSESSMENT_REF_PATTERN } from '../services/recordings';
import { exportAuditLog } from '../services/auditLog';
import { liftLegalHold, placeLegalHold, requestDeletion } from '../services/retention';
import type { RecordingRow } from '../store/recordingStore';
import type { StaffStore } from '../store/staffStore';
import { linkStateLabel, linkTimeline, type TimelineEntry } from './linkTimeline';
import { maskAddressLine, parseReason } from './staffPolicy';
import type { StaffMember } from './staffAccounts';
import { formatLength } from '../pages/format';

type ConsoleDeps = Pick<PortalDeps, 'config' | 'clock' | 'store' | 'outbox' | 'objects'> & {
  staffStore: StaffStore;
  cipher: FieldCipher;
  ninoHasher: NinoHasher;
  sendLink: PortalServices['sendLink'];
};

export interface RecordingSummary {
  id: string;
  assessmentRef: string;
  recordedAt: Date;
  retainUntil: Date;
  phoneMasked: string;
  language: string;
  /** Its length and codec as read at ingest ("5 seconds (PCM)"), or "Not known". */
  length: string;
  available: boolean;
  deletionRequested: boolean;
  legalHolds: Array<{ placedAt: Date; reason: string }>;
  /** Whether the listening copy for phones was made, and if not why. */
  phoneCopy: string;
}

export interface LinkView {
  id: string;
  sentAt: Date;
  state: string;
  endsAt: Date | undefined;
  locked: boolean;
  failedAttempts: number;
  phoneMasked: string;
  timeline: TimelineEntry[];
}

export interface PostalCopyView {
  at: Date;
  by: string;
  kind: string;
  sentOn: string;
  address: string;
  reason: string;
}

export interface RecordingView {
  recording: RecordingSummary;
  links: LinkView[];
  postalCopies: PostalCopyView[];
}

const ukTime = new Intl.DateTimeFormat('en-GB', { timeStyle: 'short', dateStyle: 'medium', timeZone: 'Europe/London' });

function phoneCopyStatus(recording: RecordingRow): string {
  switch (recording.listening_status) {
    case 'made':
      return `Made (${((recording.listening_size_bytes ?? 0) / 1_000_000).toFixed(1)} MB)`;
    case 'not-needed':
      return 'Not needed: the original plays on phones and is small';
    case 'no-ffmpeg':
      return 'Not made: the portal has no ffmpeg (set FFMPEG_PATH); made once an instance with ffmpeg looks again';
    case 'failed':
      return `Not made: ${recording.listening_error ?? 'ffmpeg failed'}`;
    default:
      return 'Being made';
  }
}

const POSTAL_KINDS = { postal: 'Postal copy', 'right-of-access': 'Right of access request copy' } as const;

/**
 * What support staff do on the phone with a claimant: find the recording, read each link's story,
 * and act on it. Every action needs a reason and is audited with the staff member's id; nothing
 * returned here carries the NINO, the full phone number, a link token or a presigned URL.
 */
export function staffConsole(deps: ConsoleDeps) {
  const now = () => deps.clock();
  const available = (recording: RecordingRow) => recordingAvailability(recording, now()).available;

  function summary(recording: RecordingRow, legalHolds: RecordingSummary['legalHolds'] = []): RecordingSummary {
    return {
      id: recording.id,
      assessmentRef: recording.assessment_ref,
      recordedAt: new Date(recording.recorded_at),
      retainUntil: new Date(recording.retain_until),
      phoneMasked: recording.phone_encrypted ? maskPhone(deps.cipher.decrypt('recordings.phone', recording.phone_encrypted)) : 'none on record',
      language: recording.language === 'cy' ? 'Welsh' : 'English',
      length: formatLength(recording.duration_seconds, translator('en')) + (recording.codec ? ` (${recording.codec})` : ''),
      available: available(recording),
      deletionRequested: recording.deletion_requested_at !== null && !recording.deleted_at,
      legalHolds,
      phoneCopy: phoneCopyStatus(recording),
    };
  }

  async function nameActors(actors: string[]) {
    const emails = await deps.staffStore.emailsById([...new Set(actors)].filter((actor) => /^[0-9a-f-]{36}$/.test(actor)));
    return (actor: string) => {
      if (emails.has(actor)) return emails.get(actor)!;
      if (actor === 'operator-cli') return 'an operator (command line)';
      if (actor.startsWith('provider:')) return 'the assessment provider';
      return actor;
    };
  }

  async function recordingOrFail(recordingId: string): Promise<RecordingRow> {
    const recording = /^[0-9a-f-]{36}$/.test(recordingId) ? await deps.store.findRecording(recordingId) : undefined;
    if (!recording) throw new InputError('recording', 'no such recording');
    return recording;
  }

  function requiredReason(input: unknown): string {
    const parsed = parseReason(input);
    if (!parsed.ok) throw new InputError('reason', parsed.problem);
    return parsed.reason;
  }

  return {
    /** By assessment reference, or by NINO through its keyed blind index. */
    async find(staff: StaffMember, query: unknown): Promise<RecordingSummary[]> {
      const text = typeof query === 'string' ? query.trim() : '';
      const nino = parseNino(text);
      let recordings: RecordingRow[];
      if (nino.ok) {
        recordings = await deps.staffStore.recordingsByNinoIndex(deps.ninoHasher.blindIndex(nino.nino));
      } else if (ASSESSMENT_REF_PATTERN.test(text)) {
        const found = await deps.store.findRecordingByRef(text);
        recordings = found ? [found] : [];
      } else {
        throw new InputError('query', 'Enter an assessment reference or a National Insurance number');
      }
      await deps.store.recordEvent(now(), { type: 'staff.found', actor: staff.id, detail: { by: nino.ok ? 'nino' : 'reference', results: recordings.length } });
      return recordings.map((recording) => summary(recording));
    },

    async recording(recordingId: string): Promise<RecordingView | undefined> {
      const recording = /^[0-9a-f-]{36}$/.test(recordingId) ? await deps.store.findRecording(recordingId) : undefined;
      if (!recording) return undefined;
      const rows = await deps.staffStore.linksOf(recording.id);
      const events = await deps.store.auditTrail({ recordingId: recording.id });
      const nameActor = await nameActors(events.map((event) => event.actor));
      const links = await Promise.all(
        rows.map(async (link): Promise<LinkView> => {
          const access = linkAccess(
            {
              sentAt: new Date(link.sent_at),
              firstDownloadAt: link.first_download_at ? new Date(link.first_download_at) : null,
              revokedAt: link.revoked_at ? new Date(link.revoked_at) : null,
              lockedAt: link.locked_at ? new Date(link.locked_at) : null,
              recordingAvailable: available(recording),
            },
            now(),
            deps.config.access,
          );
          const message = await deps.outbox.latestForLink(link.id);
          return {
            id: link.id,
            sentAt: new Date(link.sent_at),
            state: linkStateLabel(access),
            endsAt: access.state === 'open' ? access.endsAt : undefined,
            locked: access.state === 'locked',
            failedAttempts: link.failed_attempts,
            phoneMasked: link.phone_masked,
            timeline: linkTimeline(
              events.filter((event) => event.link_id === link.id),
              message,
              access,
              nameActor,
            ),
          };
        }),
      );
      // Newest first; a link replaced in the same instant as its successor goes after it.
      links.sort((a, b) => b.sentAt.getTime() - a.sentAt.getTime() || Number(a.state === 'Replaced') - Number(b.state === 'Replaced'));
      const postalCopies = events
        .filter((event) => event.type === 'recording.postal-copy')
        .map((event): PostalCopyView => {
          const detail = JSON.parse(event.detail) as Record<string, string>;
          return { at: new Date(event.at), by: nameActor(event.actor), kind: detail.kind, sentOn: detail.sentOn, address: detail.address, reason: detail.reason };
        });
      const holds = (await deps.store.activeLegalHolds(recording.id)).map((hold) => ({ placedAt: new Date(hold.placed_at), reason: hold.reason }));
      return { recording: summary(recording, holds), links, postalCopies };
    },

    /** The recording's page as a staff member opens it: looking at someone's record is audited, as a search is. */
    async open(staff: StaffMember, recordingId: string): Promise<RecordingView | undefined> {
      const recording = /^[0-9a-f-]{36}$/.test(recordingId) ? await deps.store.findRecording(recordingId) : undefined;
      if (!recording) return undefined;
      await deps.store.recordEvent(now(), { type: 'recording.staff-viewed', actor: staff.id, recordingId: recording.id });
      return this.recording(recording.id);
    },

    /** A new link (revoking the earlier ones), to the number on record or a corrected one after identity checks. */
    async reissue(staff: StaffMember, recordingId: string, input: { reason: unknown; phone: unknown; identityChecked: unknown }) {
      const reason = requiredReason(input.reason);
      const phone = typeof input.phone === 'string' && input.phone.trim() !== '' ? input.phone : undefined;
      if (phone !== undefined && input.identityChecked !== 'yes') {
        throw new InputError('identityChecked', 'Confirm you have done the identity checks before sending to a new number');
      }
      await recordingOrFail(recordingId);
      try {
        const sent = await deps.sendLink({ recordingId, phone, reason, actor: staff.id });
        return { linkId: sent.linkId, expiresAt: sent.expiresAt };
      } catch (error) {
        if (!(error instanceof LinkNotSent) || error.refusal.refused !== 'texting-limit') throw error;
        throw new InputError(
          'recording',
          `This recording has been sent ${TEXTING_LIMIT.links} links in the last hour, the most it may have. You can send the next one from ${ukTime.format(error.refusal.nextAllowedAt)} (UK time), or record a postal copy.`,
        );
      }
    },

    async unlockLink(staff: StaffMember, linkId: string, reasonInput: unknown): Promise<{ recordingId: string }> {
      const reason = requiredReason(reasonInput);
      const link = /^[0-9a-f-]{36}$/.test(linkId) ? await deps.store.findLink(linkId) : undefined;
      if (!link) throw new InputError('link', 'no such link');
      if (!(await deps.store.unlockLink(link.id, now(), staff.id, reason))) throw new InputError('link', 'This link is not locked');
      return { recordingId: link.recording_id };
    },

    /** A copy sent outside the portal; only a masked first line of the address is kept. */
    async recordPostalCopy(staff: StaffMember, recordingId: string, input: { kind: unknown; sentOn: unknown; addressLine: unknown; reason: unknown }) {
      const recording = await recordingOrFail(recordingId);
      const kind = typeof input.kind === 'string' && Object.hasOwn(POSTAL_KINDS, input.kind) ? (input.kind as keyof typeof POSTAL_KINDS) : undefined;
      if (!kind) throw new InputError('kind', 'Select postal copy or right of access request');
      const sentOn = typeof input.sentOn === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(input.sentOn) ? new Date(`${input.sentOn}T00:00:00Z`) : undefined;
      if (!sentOn || Number.isNaN(sentOn.getTime()) || sentOn.toISOString().slice(0, 10) !== input.sentOn || sentOn.getTime() > now().getTime()) {
        throw new InputError('sentOn', 'Enter the date the copy was sent, for example 2026-11-23, not in the future');
      }
      const addressLine = typeof input.addressLine === 'string' ? input.addressLine.trim() : '';
      if (addressLine.length < 2 || addressLine.length > 100) throw new InputError('addressLine', 'Enter the first line of the address');
      const reason = requiredReason(input.reason);
      await deps.store.recordEvent(now(), {
        type: 'recording.postal-copy',
        actor: staff.id,
        recordingId: recording.id,
        detail: { kind: POSTAL_KINDS[kind], sentOn: input.sentOn as string, address: maskAddressLine(addressLine), reason },
      });
    },

    /** Supervisors only (the route checks): keeps the recording past its date while a dispute is open. */
    async placeLegalHold(staff: StaffMember, recordingId: string, reasonInput: unknown) {
      await placeLegalHold(deps, { recordingId: (await recordingOrFail(recordingId)).id, reason: requiredReason(reasonInput), actor: staff.id });
    },

    async liftLegalHold(staff: StaffMember, recordingId: string, reasonInput: unknown) {
      const { lifted } = await liftLegalHold(deps, { recordingId: (await recordingOrFail(recordingId)).id, reason: requiredReason(reasonInput), actor: staff.id });
      if (lifted === 0) throw new InputError('lift-reason', 'No legal hold stands on this recording');
    },

    /** The recording goes at the next retention sweep, unless a legal hold stands. */
    async requestDeletion(staff: StaffMember, recordingId: string, reasonInput: unknown) {
      return requestDeletion(deps, { recordingId: (await recordingOrFail(recordingId)).id, reason: requiredReason(reasonInput), actor: staff.id });
    },

    /** Auditors only (the route checks): the audit events of a period, as JSON lines; the export is itself audited. */
    async exportAudit(staff: StaffMember, input: { from: unknown; to: unknown }): Promise<{ fileName: string; lines: string[] }> {
      const day = (value: unknown, field: string) => {
        const date = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T00:00:00Z`) : undefined;
        if (!date || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value) throw new InputError(field, 'Enter a real date, for example 2026-11-23');
        return date;
      };
      const from = day(input.from, 'from');
      const to = new Date(day(input.to, 'to').getTime() + 86_400_000);
      if (to <= from) throw new InputError('to', 'The end date must be the same as or after the start date');
      const lines = await exportAuditLog(deps.store, { from, to });
      await deps.store.recordEvent(now(), { type: 'staff.audit-exported', actor: staff.id, detail: { from: input.from as string, to: input.to as string, events: lines.length } });
      return { fileName: `audit-${input.from as string}-to-${input.to as string}.jsonl`, lines };
    },

    /** Supervisors only (the route checks): the audio itself, for a right of access request, audited first. */
    async downloadUrl(staff: StaffMember, recordingId: string, reasonInput: unknown): Promise<string> {
      const reason = requiredReason(reasonInput);
      const recording = await recordingOrFail(recordingId);
      if (!available(recording)) throw new InputError('recording', 'This recording is no longer available');
      await deps.store.recordEvent(now(), { type: 'recording.staff-download', actor: staff.id, recordingId: recording.id, detail: { reason } });
      const extension = recording.object_key.split('.').pop();
      return deps.objects.presignGet({
        key: recording.object_key,
        contentType: recording.content_type,
        disposition: 'attachment',
        fileName: `assessment-recording-${recording.assessment_ref}.${extension}`,
        ttlSeconds: deps.config.presignTtlSeconds,
        now: now(),
      });
    },
  };
}

export type StaffConsole = ReturnType<typeof staffConsole>;
