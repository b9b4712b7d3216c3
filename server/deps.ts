import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Clock } from './clock';
import type { Config } from './config';
import type { PortalMetrics } from './observability/metrics';
import type { ObjectStorage } from './objects/s3Objects';
import type { SmsSender } from './sms/smsSender';
import type { RecordingStore } from './store/recordingStore';
import type { SmsOutboxStore } from './store/smsOutboxStore';

/** Everything the portal talks to, passed in explicitly so tests build the real thing with test settings. */
export interface PortalDeps {
  config: Config;
  clock: Clock;
  store: RecordingStore;
  /** The queue of text messages waiting to be sent or settled. */
  outbox: SmsOutboxStore;
  objects: ObjectStorage;
  sms: SmsSender;
  logger: Logger;
  metrics: PortalMetrics;
  /** Shared limits between instances; undefined keeps them in process memory. */
  redis: Redis | undefined;
}
