import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The portal's Prometheus metrics, one registry per running app (so tests can run several).
 * Labels carry route shapes and outcomes only: never a token, NINO, phone number or URL.
 */
export function portalMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return { registry, ...requestMetrics(registry), ...backgroundMetrics(registry) };
}

/** What requests meet: their count and latency, the journey's events, the shared dependencies, argon2's cost. */
function requestMetrics(registry: Registry) {
  return {
    httpRequests: new Counter({
      name: 'portal_http_requests_total',
      help: 'HTTP requests by route, method and status',
      labelNames: ['route', 'method', 'status'] as const,
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'portal_http_request_duration_seconds',
      help: 'HTTP request latency by route and method',
      labelNames: ['route', 'method'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    auditEvents: new Counter({
      name: 'portal_events_total',
      help: 'Journey events by type: link.issued, link.opened, nino.failed, link.locked, recording.downloaded, …',
      labelNames: ['type'] as const,
      registers: [registry],
    }),
    dependencyUp: new Gauge({
      name: 'portal_dependency_up',
      help: 'Whether a shared dependency (database, objectStorage, redis) answered at the last readiness probe: 1 or 0. Alert on 0; readiness itself stays this instance\'s own',
      labelNames: ['dependency'] as const,
      registers: [registry],
    }),
    argon2Seconds: new Histogram({
      name: 'portal_argon2_seconds',
      help: 'Time spent in argon2id hashing and verification',
      labelNames: ['operation'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [registry],
    }),
  };
}

/** What the background jobs do: texts sent, recordings the sweep could not delete, abandoned uploads. */
function backgroundMetrics(registry: Registry) {
  return {
    smsMessages: new Counter({
      name: 'portal_sms_messages_total',
      help: 'Text messages by outcome',
      labelNames: ['status'] as const,
      registers: [registry],
    }),
    retentionRefused: new Gauge({
      name: 'portal_retention_refused_recordings',
      help: 'Recordings past retention whose audio the store refused to delete at the last sweep (alert when above 0)',
      registers: [registry],
    }),
    incompleteUploads: new Gauge({
      name: 'portal_incomplete_multipart_uploads',
      help: "Incomplete multipart uploads under the portal's prefixes at the last sweep: abandoned (older than MULTIPART_ABANDONED_AFTER, aborted unless the abort failed) or recent (possibly in use, kept)",
      labelNames: ['age'] as const,
      registers: [registry],
    }),
    uploadsAborted: new Counter({
      name: 'portal_multipart_uploads_aborted_total',
      help: 'Abandoned multipart uploads the sweep aborted (their parts deleted)',
      registers: [registry],
    }),
  };
}

export type PortalMetrics = ReturnType<typeof portalMetrics>;

/** Times a promise into a histogram, whatever its outcome. */
export async function timed<T>(histogram: Histogram<'operation'>, operation: string, work: () => Promise<T>): Promise<T> {
  const stop = histogram.startTimer({ operation });
  try {
    return await work();
  } finally {
    stop();
  }
}
