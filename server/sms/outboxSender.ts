import { appendFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { SmsSender } from './smsSender';
import { sha256Hex } from '../sha256Hex';

/**
 * The development transport: each message becomes one JSON line in SMS_OUTBOX_FILE
 * (`{"to","body","url","at"}`), so a newcomer can open the link and tests can read it back.
 * A message already in the file (found by its unique link) is not written twice.
 */
export function outboxSender(file: string, announce: (line: string) => void = () => {}): SmsSender {
  async function lines(): Promise<Array<{ url: string }>> {
    try {
      return (await readFile(file, 'utf8'))
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line));
    } catch {
      return [];
    }
  }
  // The link is a credential, so the id kept in the database is a digest of it, not the link.
  const providerId = (url: string) => `outbox-${sha256Hex(url).slice(0, 32)}`;

  return {
    provider: 'outbox',
    async send(message, now) {
      await mkdir(path.dirname(file), { recursive: true });
      const entry = { to: message.to, body: message.body, url: message.url, at: now.toISOString() };
      await appendFile(file, `${JSON.stringify(entry)}\n`, { mode: 0o600 });
      announce(`Text message written to the outbox (${file}): ${message.url}`);
      return { providerMessageId: providerId(message.url) };
    },
    async findSent(message) {
      return (await lines()).some((line) => line.url === message.url) ? providerId(message.url) : undefined;
    },
  };
}
