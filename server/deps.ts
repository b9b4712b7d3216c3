import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Clock } from './clock';
import type { Config } from './config';
import type { PortalMetrics } from './observability/metrics';
import type { ObjectStorage } from './objects/s3Objects';
import type { SmsSender } from './sms/smsSender';
import type { RecordingStore } from './store/recordingStore';

/** Everything the portal talks to, passed in explicitly so tests build the real thing with test settings. */
export interface PortalDeps {
  config: Config;
  clock: Clock;
  store: RecordingStore;
  objects: ObjectStorage;
  sms: SmsSender;
  logger: Logger;
  metrics: PortalMetrics;
  /** Shared limits between instances; undefined keeps them in process memory. */
  redis: Redis | undefined;
}
