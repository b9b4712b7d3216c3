import { linkAccess, linkFacts } from '../../policy/accessWindow';
import { parseNino } from '../../policy/nino';
import { InputError } from '../inputError';
import { ASSESSMENT_REF_PATTERN } from '../recordings';
import type { AuditChain } from '../../store/auditChain';
import type { RecordingRow } from '../../store/recordingStore';
import type { LinkStore } from '../../store/linkStore';
import { linkStateLabel, linkTimeline, type NameActor, type TimelineEntry } from './linkTimeline';
import { recordingSummary, type RecordingSummary } from './recordingSummary';
import type { StaffMember } from './staffCredentials';
import { findRecording, isAvailable, looksLikeId, type ConsoleDeps } from './staffRecords';
import { transcriptSummary, type TranscriptSummary } from './transcriptActions';

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
  transcript: TranscriptSummary;
}

type LookupDeps = Pick<ConsoleDeps, 'config' | 'clock' | 'audit' | 'recordings' | 'links' | 'retention' | 'outbox' | 'staffStore' | 'cipher' | 'ninoHasher' | 'transcripts'>;
type LinkRow = Awaited<ReturnType<LinkStore['linksOf']>>[number];
type AuditRow = Awaited<ReturnType<AuditChain['auditTrail']>>[number];

async function nameActors(deps: Pick<LookupDeps, 'staffStore'>, actors: string[]): Promise<NameActor> {
  const emails = await deps.staffStore.emailsById([...new Set(actors)].filter(looksLikeId));
  return (actor: string) => {
    if (emails.has(actor)) return emails.get(actor)!;
    if (actor === 'operator-cli') return 'an operator (command line)';
    if (actor.startsWith('provider:')) return 'the assessment provider';
    return actor;
  };
}

async function linkView(deps: LookupDeps, recording: RecordingRow, link: LinkRow, events: AuditRow[], nameActor: NameActor, now: Date): Promise<LinkView> {
  const access = linkAccess(linkFacts(link, isAvailable(recording, now)), now, deps.config.access);
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
}

function postalCopyView(event: AuditRow, nameActor: NameActor): PostalCopyView {
  const detail = JSON.parse(event.detail) as Record<string, string>;
  return { at: new Date(event.at), by: nameActor(event.actor), kind: detail.kind, sentOn: detail.sentOn, address: detail.address, reason: detail.reason };
}

async function recordingView(deps: LookupDeps, recording: RecordingRow): Promise<RecordingView> {
  const now = deps.clock();
  const rows = await deps.links.linksOf(recording.id);
  const events = await deps.audit.auditTrail({ recordingId: recording.id });
  const nameActor = await nameActors(deps, events.map((event) => event.actor));
  const links = await Promise.all(rows.map((link) => linkView(deps, recording, link, events, nameActor, now)));
  // Newest first; a link replaced in the same instant as its successor goes after it.
  links.sort((a, b) => b.sentAt.getTime() - a.sentAt.getTime() || Number(a.state === 'Replaced') - Number(b.state === 'Replaced'));
  const postalCopies = events.filter((event) => event.type === 'recording.postal-copy').map((event) => postalCopyView(event, nameActor));
  const holds = (await deps.retention.activeLegalHolds(recording.id)).map((hold) => ({ placedAt: new Date(hold.placed_at), reason: hold.reason }));
  const transcript = transcriptSummary(await deps.transcripts.current(recording.id), events, nameActor);
  return { recording: recordingSummary(recording, deps.cipher, now, holds), links, postalCopies, transcript };
}


/**
 * Finding a recording and reading it: each link's story and the copies sent outside the portal.
 * Nothing returned carries the NINO, the full phone number, a link token or a presigned URL.
 */
export function staffRecordingLookup(deps: LookupDeps) {
  return {
    /** By assessment reference, or by NINO through its keyed blind index. */
    async find(staff: StaffMember, query: unknown): Promise<RecordingSummary[]> {
      const text = typeof query === 'string' ? query.trim() : '';
      const nino = parseNino(text);
      let recordings: RecordingRow[];
      if (nino.ok) {
        recordings = await deps.recordings.recordingsByNinoIndex(deps.ninoHasher.blindIndex(nino.nino));
      } else if (ASSESSMENT_REF_PATTERN.test(text)) {
        const found = await deps.recordings.findRecordingByRef(text);
        recordings = found ? [found] : [];
      } else {
        throw new InputError('query', 'Enter an assessment reference or a National Insurance number');
      }
      await deps.audit.recordEvent(deps.clock(), { type: 'staff.found', actor: staff.id, detail: { by: nino.ok ? 'nino' : 'reference', results: recordings.length } });
      return recordings.map((recording) => recordingSummary(recording, deps.cipher, deps.clock()));
    },

    /** The recording's page as it is shown again after an action: part of that action, so not audited again. */
    async recording(recordingId: string): Promise<RecordingView | undefined> {
      const recording = await findRecording(deps, recordingId);
      return recording && recordingView(deps, recording);
    },

    /** The recording's page as a staff member opens it: looking at someone's record is audited, as a search is. */
    async open(staff: StaffMember, recordingId: string): Promise<RecordingView | undefined> {
      const recording = await findRecording(deps, recordingId);
      if (!recording) return undefined;
      await deps.audit.recordEvent(deps.clock(), { type: 'recording.staff-viewed', actor: staff.id, recordingId: recording.id });
      return recordingView(deps, recording);
    },
  };
}

export type StaffRecordingLookup = ReturnType<typeof staffRecordingLookup>;
