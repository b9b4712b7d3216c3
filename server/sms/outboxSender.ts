import { appendFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { SmsSender } from './smsSender';

/**
 * The development transport: each message becomes one JSON line in SMS_OUTBOX_FILE
 * (`{"to","body","url","at"}`), so a newcomer can open the link and tests can read it back.
 */
export function outboxSender(file: string, announce: (line: string) => void = () => {}): SmsSender {
  return {
    async send(message, now) {
      await mkdir(path.dirname(file), { recursive: true });
      const entry = { to: message.to, body: message.body, url: message.url, at: now.toISOString() };
      await appendFile(file, `${JSON.stringify(entry)}\n`, { mode: 0o600 });
      announce(`Text message written to the outbox (${file}): ${message.url}`);
    },
  };
}
