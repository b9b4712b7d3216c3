import { hostname } from 'node:os';
import type { PortalDeps } from '../deps';
import { dependencyFailure } from '../errors';
import { ObjectStoreUnavailable } from '../objects/s3Objects';
import { retentionDecision } from '../policy/retention';
import { backgroundJob } from './backgroundJob';
import { InputError } from './inputError';

type RetentionDeps = Pick<PortalDeps, 'retention' | 'leases' | 'transcriptStore' | 'objects' | 'clock' | 'logger' | 'metrics'>;

export interface SweepReport {
  dryRun: boolean;
  /** False when another instance holds the sweep's lease: it is running there. */
  ran: boolean;
  deleted: Array<{ recordingId: string; assessmentRef: string; reason: string }>;
  held: Array<{ recordingId: string; assessmentRef: string }>;
  /** Recordings whose audio the store refused to delete (Object Lock, a bucket policy): staff must act. */
  refused: Array<{ recordingId: string; assessmentRef: string; storeSaid: string }>;
}

const SWEEP_LEASE = 'retention-sweep';
const LEASE_MS = 30 * 60_000;
const holder = `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;

/**
 * Deletes recordings whose retention period is over or whose deletion was requested, unless a legal
 * hold stands: the audio (every version of it) first, then the personal data, leaving a tombstone.
 * If the database step fails after the object is gone, the next sweep finishes it. Only one
 * instance sweeps at a time (a lease in the database).
 */
export async function retentionSweep(deps: RetentionDeps, options: { dryRun: boolean; actor: string }): Promise<SweepReport> {
  const now = deps.clock();
  const report: SweepReport = { dryRun: options.dryRun, ran: false, deleted: [], held: [], refused: [] };
  if (!options.dryRun && !(await deps.leases.acquireLease(SWEEP_LEASE, holder, now, new Date(now.getTime() + LEASE_MS)))) return report;
  report.ran = true;
  try {
    for (const recording of await deps.retention.dueForRetention(now)) {
      const decision = retentionDecision(
        { retainUntil: new Date(recording.retain_until), deletionRequestedAt: recording.deletion_requested_at ? new Date(recording.deletion_requested_at) : null },
        Boolean(recording.held),
        now,
      );
      const entry = { recordingId: recording.id, assessmentRef: recording.assessment_ref };
      if (decision === 'held') report.held.push(entry);
      if (!decision.startsWith('delete')) continue;
      const reason = decision.slice('delete: '.length);
      if (!options.dryRun) {
        try {
          await deps.objects.deleteEverywhere(recording.object_key);
          // The listening copy is the same recording: it goes with the original. A copy still being
          // made is not settled on a recording due for deletion, and its maker deletes it.
          if (recording.listening_object_key) await deps.objects.deleteEverywhere(recording.listening_object_key);
          // So is its transcript. One attached from now on is refused, its object deleted by the attacher.
          for (const key of await deps.transcriptStore.objectKeysOf(recording.id)) await deps.objects.deleteEverywhere(key);
        } catch (error) {
          // One object the store will not delete must not keep every later one: the sweep goes on. A
          // store that is down, or that refuses our credentials, stops it; the next sweep starts again.
          if (!(error instanceof ObjectStoreUnavailable && error.refused)) throw error;
          report.refused.push({ ...entry, storeSaid: error.reason });
          continue;
        }
        if (!(await deps.retention.tombstoneRecording(recording.id, reason, deps.clock(), options.actor))) continue;
      }
      report.deleted.push({ ...entry, reason });
    }
  } finally {
    if (!options.dryRun) await deps.leases.releaseLease(SWEEP_LEASE, holder);
  }
  if (!options.dryRun) deps.metrics.retentionRefused.set(report.refused.length);
  const counts = { dryRun: options.dryRun, deleted: report.deleted.length, held: report.held.length, refused: report.refused.length };
  if (report.refused.length > 0) deps.logger.error({ ...counts, refusedRecordingIds: report.refused.map((entry) => entry.recordingId) }, 'retention sweep: the store refused to delete some audio');
  else deps.logger.info(counts, 'retention sweep');
  return report;
}

/**
 * The scheduled sweep as a background job, not yet started: every instance tries at each interval
 * and the lease lets one sweep. A store that is down fails a run; the next tries again.
 */
export function retentionSweepJob(deps: RetentionDeps) {
  return backgroundJob(
    () =>
      retentionSweep(deps, { dryRun: false, actor: 'scheduled-sweep' }).then(
        () => undefined,
        (error: unknown) => deps.logger.error({ err: dependencyFailure(error) }, 'retention sweep failed'),
      ),
    { kicksBeforeStart: false },
  );
}

function reasonText(reason: string): string {
  const trimmed = reason.trim();
  if (trimmed.length === 0 || trimmed.length > 500) throw new InputError('reason', 'a reason of 1 to 500 characters is required');
  return trimmed;
}

async function existingRecording(deps: Pick<PortalDeps, 'recordings'>, recordingId: string) {
  const recording = await deps.recordings.findRecording(recordingId);
  if (!recording || recording.deleted_at) throw new InputError('recording', 'no recording with this id, or it has already been deleted');
  return recording;
}

/** A supervisor places a legal hold while a dispute is open: the recording is kept past its date. */
export async function placeLegalHold(deps: Pick<PortalDeps, 'recordings' | 'retention' | 'clock'>, input: { recordingId: string; reason: string; actor: string }) {
  await existingRecording(deps, input.recordingId);
  return { holdId: await deps.retention.placeLegalHold(input.recordingId, reasonText(input.reason), deps.clock(), input.actor) };
}

export async function liftLegalHold(deps: Pick<PortalDeps, 'recordings' | 'retention' | 'clock'>, input: { recordingId: string; reason: string; actor: string }) {
  await existingRecording(deps, input.recordingId);
  return { lifted: await deps.retention.liftLegalHolds(input.recordingId, reasonText(input.reason), deps.clock(), input.actor) };
}

/**
 * The data protection officer asks for a recording to be deleted early. It goes at the next sweep,
 * unless a legal hold stands: then it goes once the hold is lifted, and the answer says so.
 */
export async function requestDeletion(deps: Pick<PortalDeps, 'recordings' | 'retention' | 'clock'>, input: { recordingId: string; reason: string; actor: string }) {
  await existingRecording(deps, input.recordingId);
  await deps.retention.requestDeletion(input.recordingId, reasonText(input.reason), deps.clock(), input.actor);
  const holds = await deps.retention.activeLegalHolds(input.recordingId);
  return { requested: true, blockedByLegalHold: holds.length > 0 };
}
