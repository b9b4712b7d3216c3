import type { PortalDeps } from '../../deps';
import { linkAccess, linkEndsAt, linkFacts, type LinkAccess } from '../../policy/accessWindow';
import { recordingAvailability } from '../../policy/recordingAvailability';
import type { RecordingRow } from '../../store/recordingStore';
import type { LinkStore } from '../../store/linkStore';

/** A link as a provider sees it: when it stops working, what a claimant holding it may do, and how its text message fared. */
export interface ProviderLinkView {
  id: string;
  sentAt: string;
  expiresAt: string;
  state: LinkAccess['state'];
  textMessage: string;
}

/** A recording as a provider sees it: its facts and its latest link, and no personal data. */
export interface ProviderRecordingView {
  id: string;
  assessmentRef: string;
  recordedAt: string;
  sizeBytes: number;
  sha256: string;
  contentType: string;
  status: 'available' | 'unavailable';
  latestLink: ProviderLinkView | null;
}

export type ProviderViewDeps = Pick<PortalDeps, 'clock' | 'config' | 'outbox'> & { links: Pick<LinkStore, 'linksOf'> };

/** Builds what a provider sees of one of its recordings; the link's window comes from the access policy alone. */
export function providerRecordingView(deps: ProviderViewDeps) {
  async function latestLink(recordingId: string, recordingAvailable: boolean, now: Date): Promise<ProviderLinkView | null> {
    // The newest link still in force, or else the newest one.
    const [latest] = (await deps.links.linksOf(recordingId)).sort((a, b) => Number(a.revoked_at !== null) - Number(b.revoked_at !== null));
    if (!latest) return null;
    const facts = linkFacts(latest, recordingAvailable);
    const message = await deps.outbox.latestForLink(latest.id);
    return {
      id: latest.id,
      sentAt: latest.sent_at,
      expiresAt: linkEndsAt(facts, deps.config.access).toISOString(),
      state: linkAccess(facts, now, deps.config.access).state,
      textMessage: message?.delivery_status ?? message?.status ?? 'unknown',
    };
  }

  return async function view(recording: RecordingRow): Promise<ProviderRecordingView> {
    const now = deps.clock();
    const available = recordingAvailability(recording, now).available;
    return {
      id: recording.id,
      assessmentRef: recording.assessment_ref,
      recordedAt: recording.recorded_at,
      sizeBytes: recording.size_bytes,
      sha256: recording.sha256,
      contentType: recording.content_type,
      status: available ? 'available' : 'unavailable',
      latestLink: await latestLink(recording.id, available, now),
    };
  };
}
