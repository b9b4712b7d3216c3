import type { LinkAccess } from '../../policy/accessWindow';

/** One line of a link's story, as support staff read it on the phone to a claimant. */
export interface TimelineEntry {
  at: Date;
  text: string;
}

export interface AuditFacts {
  at: string;
  type: string;
  actor: string;
  detail: string;
}

export interface MessageFacts {
  status: string;
  delivery_status: string | null;
  delivery_status_at: string | null;
  sent_at: string | null;
  last_error: string | null;
}

/** Who did something, in words: a staff member's email, the operator CLI, a provider, or the claimant. */
export type NameActor = (actor: string) => string;

function detailOf(event: AuditFacts): Record<string, unknown> {
  try {
    return JSON.parse(event.detail) ?? {};
  } catch {
    return {};
  }
}

const SMS_STATUS: Record<string, string> = {
  pending: 'Text message waiting to be sent',
  sending: 'Text message being sent',
  sent: 'Text message sent',
  failed: 'Text message could not be sent',
  superseded: 'Text message not sent: a newer link replaced it',
};

/**
 * The story of one link, oldest first, from its audit events, its text message and its access
 * state. Pure: the caller reads the rows, this decides what staff are told.
 */
export function linkTimeline(events: AuditFacts[], message: MessageFacts | undefined, access: LinkAccess, nameActor: NameActor): TimelineEntry[] {
  const entries: TimelineEntry[] = [];
  for (const event of events) {
    const at = new Date(event.at);
    const detail = detailOf(event);
    switch (event.type) {
      case 'link.issued':
        entries.push({ at, text: `Issued by ${nameActor(event.actor)}. Reason: ${String(detail.reason ?? 'not given')}` });
        break;
      case 'link.opened':
        entries.push({ at, text: `Opened on a ${String(detail.device ?? 'unknown')} device` });
        break;
      case 'nino.failed':
        entries.push({ at, text: `Wrong National Insurance number entered (attempt ${String(detail.attempt ?? '?')})` });
        break;
      case 'nino.verified':
        entries.push({ at, text: 'National Insurance number confirmed' });
        break;
      case 'link.locked':
        entries.push({ at, text: 'Locked after too many wrong National Insurance numbers' });
        break;
      case 'link.unlocked':
        entries.push({ at, text: `Unlocked by ${nameActor(event.actor)}. Reason: ${String(detail.reason ?? '')}` });
        break;
      case 'recording.downloaded':
        entries.push({ at, text: `Downloaded (download ${String(detail.download ?? '?')}) on a ${String(detail.device ?? 'unknown')} device` });
        break;
      case 'link.revoked':
        entries.push({ at, text: `Revoked by ${nameActor(event.actor)}: replaced by a newer link` });
        break;
    }
  }
  if (message) {
    const sentAt = message.sent_at ? new Date(message.sent_at) : undefined;
    const statusText = SMS_STATUS[message.status] ?? `Text message: ${message.status}`;
    if (sentAt || message.status !== 'sent') entries.push({ at: sentAt ?? entries[0]?.at ?? new Date(0), text: statusText });
    if (message.delivery_status && message.delivery_status_at) {
      entries.push({ at: new Date(message.delivery_status_at), text: `Phone network reports the text message ${message.delivery_status}` });
    }
  }
  if (access.state === 'expired') entries.push({ at: access.endedAt, text: 'Expired' });
  return entries.sort((a, b) => a.at.getTime() - b.at.getTime());
}

/** The link's state in a word or two, for its tag. */
export function linkStateLabel(access: LinkAccess): string {
  switch (access.state) {
    case 'open':
      return 'Active';
    case 'locked':
      return 'Locked';
    case 'expired':
      return 'Expired';
    case 'replaced':
      return 'Replaced';
    case 'unavailable':
      return 'Recording unavailable';
  }
}

const TRANSCRIPT_EVENTS: Record<string, string> = {
  'transcript.attached': 'Transcript attached',
  'transcript.replaced': 'Transcript replaced',
  'transcript.staff-download': 'Transcript downloaded for a right of access request',
};

/**
 * The story of a recording's transcript, oldest first: attached, replaced, handed out. Whether one
 * exists now is the recording page's summary; this says who did what, and why.
 */
export function transcriptTimeline(events: AuditFacts[], nameActor: NameActor): TimelineEntry[] {
  return events
    .filter((event) => event.type in TRANSCRIPT_EVENTS)
    .map((event) => {
      const detail = detailOf(event);
      const cues = typeof detail.cues === 'number' ? ` (${detail.cues} cues)` : '';
      const reason = typeof detail.reason === 'string' ? `. Reason: ${detail.reason}` : '';
      return { at: new Date(event.at), text: `${TRANSCRIPT_EVENTS[event.type]} by ${nameActor(event.actor)}${cues}${reason}` };
    })
    .sort((a, b) => a.at.getTime() - b.at.getTime());
}
