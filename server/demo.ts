import { demoAudio } from './demoAudio';
import { demoTranscript } from './demoTranscript';
import type { PortalServices } from './services';
import type { RecordingStore } from './store/recordingStore';

export const DEMO = { assessmentRef: 'DEMO-0001', nino: 'AB 12 34 56 C', phone: '07700 900123' } as const;

/** Long enough that a newcomer meets what a real assessment is like: slices, seeking, a phone copy. */
export const DEMO_SECONDS = 20 * 60;

export type DemoSeed = { created: true; url: string; recordingId: string } | { created: false; recordingId: string };

/**
 * On a fresh DATA_DIR, registers a demo recording with its transcript (one cue per chimed phrase) and
 * texts its link to the outbox, so a newcomer meets the player, moments and the transcript at once.
 */
export async function seedDemo(store: RecordingStore, services: PortalServices): Promise<DemoSeed> {
  const existing = await store.findRecordingByRef(DEMO.assessmentRef);
  if (existing) return { created: false, recordingId: existing.id };
  const { recordingId } = await services.registerRecording({
    audio: demoAudio(DEMO_SECONDS),
    assessmentRef: DEMO.assessmentRef,
    nino: DEMO.nino,
    phone: DEMO.phone,
    actor: 'demo',
  });
  // As an assessment provider would send it; the same checks, storage, manifest and audit as any.
  await services.transcripts.attach({ recordingId, vtt: demoTranscript(DEMO_SECONDS), source: 'provider', actor: 'demo' });
  const { url } = await services.sendLink({ recordingId, actor: 'demo', reason: 'demo recording' });
  return { created: true, url, recordingId };
}
