import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Clock } from './clock';
import type { Config } from './config';
import type { InstanceLifecycle } from './lifecycle';
import type { PortalMetrics } from './observability/metrics';
import type { ObjectStorage } from './objects/s3Objects';
import type { FieldCipher } from './security/fieldCipher';
import type { ManifestSigner } from './security/manifestSigner';
import type { NinoHasher } from './security/ninoHasher';
import type { SmsSender } from './sms/smsSender';
import type { AuditChain } from './store/auditChain';
import type { EncryptedFieldsStore } from './store/encryptedFields';
import type { JobLeases } from './store/jobLeases';
import type { LinkStore } from './store/linkStore';
import type { NinoAttemptStore } from './store/ninoAttemptStore';
import type { ProviderStore } from './store/providerStore';
import type { RecordingStore } from './store/recordingStore';
import type { RetentionStore } from './store/retentionStore';
import type { SmsOutboxStore } from './store/smsOutboxStore';
import type { StaffStore } from './store/staffStore';
import type { TranscriptStore } from './store/transcriptStore';

/**
 * Everything the portal talks to, opened once by openRuntime for openPortal (the composition root) and passed in
 * explicitly, so tests build the real thing with test settings.
 */
export interface PortalDeps {
  config: Config;
  clock: Clock;
  audit: AuditChain;
  recordings: RecordingStore;
  links: LinkStore;
  ninoAttempts: NinoAttemptStore;
  retention: RetentionStore;
  leases: JobLeases;
  /** The queue of text messages waiting to be sent or settled. */
  outbox: SmsOutboxStore;
  staffStore: StaffStore;
  providers: ProviderStore;
  encryptedFields: EncryptedFieldsStore;
  /** Each recording's WebVTT transcript, where one was attached. */
  transcriptStore: TranscriptStore;
  /** Seals personal fields with FIELD_ENCRYPTION_KEYS. */
  cipher: FieldCipher;
  /** NINO hashing, its time measured. */
  ninoHasher: NinoHasher;
  manifests: ManifestSigner;
  objects: ObjectStorage;
  sms: SmsSender;
  logger: Logger;
  metrics: PortalMetrics;
  /** Shared limits between instances; undefined keeps them in process memory. */
  redis: Redis | undefined;
  /** Whether this instance is taking new work (false once SIGTERM starts the drain). */
  lifecycle: InstanceLifecycle;
}
