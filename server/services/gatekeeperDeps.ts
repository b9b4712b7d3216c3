import type { PortalDeps } from '../deps';
import type { LinkAccess } from '../policy/accessWindow';
import type { ClaimantTokens } from '../security/claimantTokens';
import type { DownloadTickets } from '../security/downloadTickets';
import type { NinoHasher } from '../security/ninoHasher';
import type { LinkRow } from '../store/linkStore';
import type { RecordingRow } from '../store/recordingStore';

/*
 * What the gatekeeper and the steps it delegates to (ninoCheck, claimantDownloads) are handed, and
 * the link they decide on: a module of its own, so those steps need not import the gatekeeper.
 */

export type GatekeeperDeps = Pick<PortalDeps, 'config' | 'clock' | 'audit' | 'links' | 'ninoAttempts' | 'objects'> & { ninoHasher: NinoHasher; tokens: ClaimantTokens; tickets: DownloadTickets };

export type ResolvedLink = { link: LinkRow; recording: RecordingRow; access: LinkAccess };
