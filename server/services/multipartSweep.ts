import { randomUUID } from 'node:crypto';
import type { PortalDeps } from '../deps';
import { dependencyFailure } from '../errors';
import { embeddedIncompleteUploads, embeddedS3Directory, type IncompleteUploads } from '../objects/incompleteUploads';
import { backgroundJob } from './backgroundJob';

type SweepDeps = Pick<PortalDeps, 'config' | 'objects' | 'leases' | 'clock' | 'logger' | 'metrics'>;

/** Every key the portal writes begins with one of these (recordings, listening copies, transcripts). */
export const PORTAL_KEY_PREFIXES = ['recordings/', 'listening/', 'transcripts/'] as const;

const SWEEP_LEASE = 'multipart-sweep';
/** Longer than a sweep takes; a sweeper that dies holding it only delays the next one this long. */
const LEASE_MS = 15 * 60_000;

export interface MultipartSweepReport {
  /** False when another instance holds the sweep's lease: it is running there. */
  ran: boolean;
  /** False when the store cannot list incomplete uploads: its lifecycle rule must clean up. */
  listed: boolean;
  abandoned: number;
  aborted: number;
  recent: number;
}

/** The embedded store has no multipart listing of its own: its directory is read instead (see embeddedIncompleteUploads). */
export function incompleteUploadsOf(deps: Pick<PortalDeps, 'config' | 'objects'>): IncompleteUploads {
  const { config } = deps;
  return config.s3.endpoint ? deps.objects.incompleteUploads : embeddedIncompleteUploads(embeddedS3Directory(config.dataDir), config.s3.bucket);
}

/**
 * Aborts the multipart uploads a crashed instance (or an abort that failed while the store was down)
 * left under the portal's prefixes: those begun longer ago than MULTIPART_ABANDONED_AFTER, which
 * outlasts the longest request, so none is still in use. One instance sweeps at a time (a lease).
 */
export async function multipartSweep(deps: SweepDeps, uploads: IncompleteUploads = incompleteUploadsOf(deps)): Promise<MultipartSweepReport> {
  const now = deps.clock();
  // Each run its own holder, so two runs (on one instance or two) never both hold the lease.
  const holder = randomUUID();
  const report: MultipartSweepReport = { ran: false, listed: true, abandoned: 0, aborted: 0, recent: 0 };
  if (!(await deps.leases.acquireLease(SWEEP_LEASE, holder, now, new Date(now.getTime() + LEASE_MS)))) return report;
  report.ran = true;
  const abandonedBefore = now.getTime() - deps.config.multipartSweep.abandonedAfterMs;
  try {
    for (const prefix of PORTAL_KEY_PREFIXES) {
      const found = await uploads.list(prefix);
      if (!found) {
        report.listed = false;
        break;
      }
      for (const upload of found) {
        if (upload.initiated.getTime() > abandonedBefore) {
          report.recent++;
          continue;
        }
        report.abandoned++;
        await uploads.abort(upload);
        report.aborted++;
        deps.metrics.uploadsAborted.inc();
      }
    }
  } finally {
    await deps.leases.releaseLease(SWEEP_LEASE, holder);
  }
  deps.metrics.incompleteUploads.set({ age: 'abandoned' }, report.abandoned - report.aborted);
  deps.metrics.incompleteUploads.set({ age: 'recent' }, report.recent);
  if (!report.listed) deps.logger.warn('multipart sweep: the object store cannot list incomplete uploads; its lifecycle rule (AbortIncompleteMultipartUpload) must clean them up');
  else deps.logger.info({ abandoned: report.abandoned, aborted: report.aborted, recent: report.recent }, 'multipart sweep');
  return report;
}

/** The sweep as a background job, not yet started: what startMultipartSweep runs, and what a test awaits. */
export function multipartSweepJob(deps: SweepDeps) {
  return backgroundJob(
    () =>
      multipartSweep(deps).then(
        () => undefined,
        (error: unknown) => deps.logger.error({ err: dependencyFailure(error) }, 'multipart sweep failed'),
      ),
    { kicksBeforeStart: false },
  );
}

/**
 * The sweep every MULTIPART_SWEEP_INTERVAL on each instance (the lease lets one run), stopped when
 * the instance starts draining. A store that is down fails a run; the next tries again.
 */
export function startMultipartSweep(deps: SweepDeps & Pick<PortalDeps, 'lifecycle'>) {
  const job = multipartSweepJob(deps);
  job.start(deps.config.multipartSweep.intervalMs);
  deps.lifecycle.onDrain(() => void job.stop());
  return job;
}
