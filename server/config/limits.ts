import type { AccessRules } from '../policy/accessWindow';
import { ConfigError, duration, integer, type Env } from './read';

function presignTtl(env: Env): number {
  const ms = duration(env, 'PRESIGN_TTL', '60s');
  if (ms > 3_600_000) throw new ConfigError('PRESIGN_TTL', 'must be at most 1h: presigned URLs are bearer credentials');
  return ms;
}

/** At least as long as a download may take to start, at most the re-download window's default. */
function downloadResumeWindow(env: Env, presignTtlMs: number): number {
  const ms = duration(env, 'DOWNLOAD_RESUME_WINDOW', '30m');
  if (ms < presignTtlMs || ms > 86_400_000) throw new ConfigError('DOWNLOAD_RESUME_WINDOW', 'must be from PRESIGN_TTL to 24h');
  return ms;
}

function accessRules(env: Env): AccessRules {
  return {
    linkTtlMs: duration(env, 'LINK_TTL', '7d'),
    redownloadWindowMs: duration(env, 'REDOWNLOAD_WINDOW', '24h'),
    maxNinoAttempts: integer(env, 'MAX_NINO_ATTEMPTS', 5, 1, 20),
  };
}

/**
 * UPLOAD_IDLE_TIMEOUT and UPLOAD_MIN_RATE_KB: every window of UPLOAD_IDLE_TIMEOUT in which the portal
 * was ready to read an upload's body must bring some of it, and at least UPLOAD_MIN_RATE_KB KB a
 * second; an upload that does not loses its slot. 0 KB/s keeps only the idle rule.
 */
function uploadPace(env: Env) {
  const idleTimeoutMs = duration(env, 'UPLOAD_IDLE_TIMEOUT', '30s');
  if (idleTimeoutMs > 600_000) throw new ConfigError('UPLOAD_IDLE_TIMEOUT', 'must be at most 10m: a stalled upload holds one of a few slots until then');
  return { idleTimeoutMs, minBytesPerSecond: integer(env, 'UPLOAD_MIN_RATE_KB', 32, 0, 10_240) * 1024 };
}

/** How long links, sessions, downloads and records last, and how much a client may ask for. */
export function limitSettings(env: Env) {
  const presignTtlMs = presignTtl(env);
  return {
    access: accessRules(env),
    presignTtlSeconds: Math.round(presignTtlMs / 1000),
    /** How long after a download started an interrupted transfer may resume (a Range with If-Range). */
    downloadResumeWindowMs: downloadResumeWindow(env, presignTtlMs),
    claimantSessionTtlMs: duration(env, 'CLAIMANT_SESSION_TTL', '20m'),
    retentionMonths: integer(env, 'RETENTION_MONTHS', 24, 1, 1200),
    /** The largest audio file the provider API accepts; larger uploads are refused before anything is stored. */
    apiMaxUploadBytes: integer(env, 'API_MAX_UPLOAD_MB', 2048, 1, 2048) * 1024 * 1024,
    /** How slowly a provider's upload may arrive before it is dropped (see uploadPace). */
    uploadPace: uploadPace(env),
    /** The largest transcript (WebVTT) accepted from a provider or a supervisor. */
    transcriptMaxBytes: integer(env, 'TRANSCRIPT_MAX_KB', 2048, 1, 20_480) * 1024,
    /** How often each instance tries to run the retention sweep (one instance at a time runs it). */
    retentionSweepIntervalMs: duration(env, 'RETENTION_SWEEP_INTERVAL', '1h'),
    rateLimits: {
      ninoPerIpPer15Min: integer(env, 'RATE_LIMIT_NINO_PER_15_MIN', 30, 1, 100_000),
      pagesPerIpPerMinute: integer(env, 'RATE_LIMIT_PAGES_PER_MIN', 120, 1, 1_000_000),
    },
  };
}
