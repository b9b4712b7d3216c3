import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { PortalDeps } from '../deps';
import { dependencyFailure } from '../errors';
import { LISTENING_COPY_FORMAT, lengthsAgree, listeningCopyReason } from '../policy/listeningCopy';
import { recordingAvailability } from '../policy/recordingAvailability';
import { manifestFacts } from './manifestFacts';
import type { ManifestSigner } from '../security/manifestSigner';
import type { RecordingRow } from '../store/recordingStore';
import { backgroundJob } from '../backgroundJob';
import { EncodeFailed, EncodeStopped, encodeListeningCopy, findFfmpeg } from './listeningEncoder';

type ListeningCopyDeps = Pick<PortalDeps, 'config' | 'clock' | 'recordings' | 'objects' | 'logger'> & { manifests: ManifestSigner };

/** A claim this old was left by an instance that stopped mid-copy; another takes it over. */
export const LISTENING_CLAIM_LAPSES_MS = 15 * 60_000;
/** ffmpeg is stopped before its claim lapses, so a copy is never made by two instances at once. */
const ENCODE_TIMEOUT_MS = LISTENING_CLAIM_LAPSES_MS - 60_000;

export interface ListeningCopyCounts {
  made: number;
  notNeeded: number;
  noFfmpeg: number;
  failed: number;
}

/** Where a recording's listening copy is kept in the bucket, beside its original. */
export const listeningObjectKey = (recordingId: string) => `listening/${recordingId}.${LISTENING_COPY_FORMAT.extension}`;

async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

/** What one run of the job works with: its dependencies, its scratch directory, and the signal that stops ffmpeg. */
interface CopyJob {
  deps: ListeningCopyDeps;
  workDir: string;
  stopping: AbortSignal;
}

/** How often the copy's manifest is signed again when another change (a transcript) signed it first. */
const MANIFEST_RACES = 3;

/**
 * Settles the claim with the copy, the manifest signed again from the one the row holds (what it
 * vouches for stays; the copy is added). If the manifest changed since it was read, it is read and
 * signed again, so nothing another change added is lost.
 */
async function settleMade(deps: ListeningCopyDeps, recording: RecordingRow, claimId: string, copy: { objectKey: string; sizeBytes: number; sha256: string; durationSeconds: number }) {
  let latest: RecordingRow | undefined = recording;
  for (let attempt = 0; latest && attempt < MANIFEST_RACES; attempt++) {
    const listeningCopy = { sha256: copy.sha256, sizeBytes: copy.sizeBytes, contentType: LISTENING_COPY_FORMAT.contentType };
    const manifest = await deps.manifests.amend(latest.manifest, manifestFacts(latest), { listeningCopy }, deps.clock());
    const outcome = { status: 'made' as const, contentType: LISTENING_COPY_FORMAT.contentType, ...copy, manifest, replacing: latest.manifest };
    if (await deps.recordings.settleListeningCopy(recording.id, claimId, deps.clock(), outcome)) return true;
    const read: RecordingRow | undefined = await deps.recordings.findRecording(recording.id);
    latest = read && read.listening_claim_id === claimId && read.manifest !== latest.manifest ? read : undefined;
  }
  return false;
}

/** Reads the original and encodes it; an M4A original is first spooled to disk (ffmpeg must seek it). */
async function encode(job: CopyJob, ffmpegPath: string, recording: RecordingRow, outputFile: string, spoolFile: string) {
  const original = await job.deps.objects.readBytes(recording.object_key, 0, Math.max(0, recording.size_bytes - 1));
  if (!original) throw new EncodeFailed('the original is not in the bucket');
  if (recording.content_type !== 'audio/mp4') return encodeListeningCopy(ffmpegPath, { stream: original }, outputFile, ENCODE_TIMEOUT_MS, job.stopping);
  await pipeline(original, createWriteStream(spoolFile));
  return encodeListeningCopy(ffmpegPath, { file: spoolFile }, outputFile, ENCODE_TIMEOUT_MS, job.stopping);
}

/** Stores the encoded copy and settles the claim with it; false when the claim was no longer this instance's to settle. */
async function storeCopy(deps: ListeningCopyDeps, recording: RecordingRow, claimId: string, outputFile: string, durationSeconds: number) {
  const objectKey = listeningObjectKey(recording.id);
  const sizeBytes = (await stat(outputFile)).size;
  const sha256 = await sha256OfFile(outputFile);
  await deps.objects.putFile(objectKey, outputFile, LISTENING_COPY_FORMAT.contentType, sha256);
  const settled = await settleMade(deps, recording, claimId, { objectKey, sizeBytes, sha256, durationSeconds });
  if (!settled) {
    // Deleted (or asked to be) while the copy was made: the sweep read no copy, so it goes here.
    // A claim taken over instead (this instance was too slow) leaves the object to the new holder.
    const latest = await deps.recordings.findRecording(recording.id);
    if (!latest || !recordingAvailability(latest, deps.clock()).available) await deps.objects.deleteEverywhere(objectKey);
  }
  return { settled, sizeBytes };
}

/** A copy that could not be made: given back if ffmpeg was stopped, else recorded as failed (any other error is thrown). */
async function settleUnmade(deps: ListeningCopyDeps, recording: RecordingRow, claimId: string, error: unknown): Promise<'failed' | 'lost'> {
  if (error instanceof EncodeStopped) {
    // Given back at once, so another instance need not wait for the claim to lapse.
    await deps.recordings.settleListeningCopy(recording.id, claimId, deps.clock(), { status: 'pending' });
    return 'lost';
  }
  if (!(error instanceof EncodeFailed)) throw error;
  deps.logger.warn({ recordingId: recording.id, error: error.message }, 'listening copy could not be made');
  await deps.recordings.settleListeningCopy(recording.id, claimId, deps.clock(), { status: 'failed', error: error.message });
  return 'failed';
}

async function makeCopy(job: CopyJob, ffmpegPath: string, recording: RecordingRow, claimId: string): Promise<'made' | 'failed' | 'lost'> {
  const { deps } = job;
  await mkdir(job.workDir, { recursive: true });
  const outputFile = path.join(job.workDir, `${recording.id}-${claimId}.m4a`);
  const spoolFile = `${outputFile}.original`;
  try {
    const started = performance.now();
    const { durationSeconds } = await encode(job, ffmpegPath, recording, outputFile, spoolFile);
    if (!lengthsAgree(recording.duration_seconds, durationSeconds)) {
      throw new EncodeFailed(`the copy lasts ${durationSeconds.toFixed(1)} s, the original ${recording.duration_seconds} s`);
    }
    const { settled, sizeBytes } = await storeCopy(deps, recording, claimId, outputFile, durationSeconds);
    if (!settled) return 'lost';
    const seconds = (performance.now() - started) / 1000;
    deps.logger.info({ recordingId: recording.id, sizeBytes, durationSeconds, speed: Math.round(durationSeconds / seconds) }, 'listening copy made');
    return 'made';
  } catch (error) {
    return await settleUnmade(deps, recording, claimId, error);
  } finally {
    await rm(outputFile, { force: true });
    await rm(spoolFile, { force: true });
  }
}

/** Settles every recording waiting for the job, one at a time (ffmpeg takes a core while it runs). */
async function runOnce(job: CopyJob): Promise<ListeningCopyCounts> {
  const { deps } = job;
  const counts: ListeningCopyCounts = { made: 0, notNeeded: 0, noFfmpeg: 0, failed: 0 };
  const ffmpegPath = await findFfmpeg(deps.config.ffmpegPath);
  while (!job.stopping.aborted) {
    const claimId = randomUUID();
    const now = deps.clock();
    const recording = await deps.recordings.claimListeningCopy(claimId, now, new Date(now.getTime() - LISTENING_CLAIM_LAPSES_MS), ffmpegPath !== undefined);
    if (!recording) return counts;
    if (!listeningCopyReason({ contentType: recording.content_type, sizeBytes: recording.size_bytes, durationSeconds: recording.duration_seconds })) {
      await deps.recordings.settleListeningCopy(recording.id, claimId, deps.clock(), { status: 'not-needed' });
      counts.notNeeded++;
    } else if (!ffmpegPath) {
      await deps.recordings.settleListeningCopy(recording.id, claimId, deps.clock(), { status: 'no-ffmpeg' });
      counts.noFfmpeg++;
    } else {
      const outcome = await makeCopy(job, ffmpegPath, recording, claimId);
      if (outcome === 'made') counts.made++;
      if (outcome === 'failed') counts.failed++;
    }
  }
  return counts;
}

/**
 * Makes listening copies in the background: looks in the database for recordings the job has not
 * settled, claims one at a time, and for those that need it (policy/listeningCopy) has ffmpeg read
 * the original streamed from the bucket, then stores the copy, signs a manifest naming both files'
 * SHA-256 and records it, all under the claim.
 */
export function listeningCopies(deps: ListeningCopyDeps) {
  // Shutting down stops ffmpeg rather than wait for it (a long recording takes a minute or more).
  const stopping = new AbortController();
  const copyJob: CopyJob = { deps, workDir: path.join(deps.config.dataDir, 'listening-copies'), stopping: stopping.signal };

  // Kicked at ingest, but only where the job was started (the portal, not a CLI about to exit).
  const job = backgroundJob(
    async () => {
      try {
        const counts = await runOnce(copyJob);
        if (counts.noFfmpeg > 0) deps.logger.warn(counts, 'listening copies: no ffmpeg on this instance (set FFMPEG_PATH or install ffmpeg)');
      } catch (error) {
        // The store or the bucket is down: the claim lapses and a later run makes the copy.
        deps.logger.error({ err: dependencyFailure(error) }, 'listening copies failed');
      }
    },
    { kicksBeforeStart: false },
  );

  return {
    runOnce: () => runOnce(copyJob),
    ...job,
    async stop() {
      stopping.abort();
      await job.stop();
    },
  };
}

export type ListeningCopies = ReturnType<typeof listeningCopies>;
