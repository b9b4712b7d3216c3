import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { demoAudio } from '../../../server/demoAudio';
import { CLAIMANT, startTestPortal, type TestPortal } from '../../support/testPortal';

/** Registers a recording through the operator CLI with the claimant's language, and texts its link. */
export async function recordingInLanguage(portal: TestPortal, language: 'en' | 'cy', audio: Buffer = demoAudio(3)) {
  const ref = `REF-${Math.random().toString(36).slice(2, 10)}`;
  const file = path.join(portal.dataDir, `${ref}.wav`);
  writeFileSync(file, audio);
  const added = await portal.cli('recordings', 'add', '--file', file, '--ref', ref, '--nino', CLAIMANT.nino, '--phone', CLAIMANT.phone, '--language', language);
  if (added.code !== 0) throw new Error(`recordings add failed: ${JSON.stringify(added.json)}`);
  const recordingId = added.json.recordingId as string;
  return { recordingId, audio, ...(await portal.sendLink(recordingId)) };
}

/**
 * The real portal (startTestPortal) listening on loopback, so a real browser can use it. Texted links
 * name the configured BASE_URL; `urlFor` points them at this server instead, as a claimant's phone
 * would reach the real host.
 */
export async function startLivePortal(overrides: Record<string, string> = {}) {
  // One browser from one address opens many pages here; the per-address limit is not under test.
  const portal = await startTestPortal({ RATE_LIMIT_PAGES_PER_MIN: '100000', ...overrides });
  const server = portal.app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  /** Every path the browser asked this server for, in order. */
  const requested: string[] = [];
  server.on('request', (req) => requested.push(req.url ?? ''));

  const urlFor = (textedUrl: string) => {
    const texted = new URL(textedUrl);
    return `${origin}${texted.pathname}${texted.search}`;
  };

  return {
    ...portal,
    origin,
    requested,
    urlFor,
    async recordingInLanguage(language: 'en' | 'cy', audio?: Buffer) {
      const recording = await recordingInLanguage(portal, language, audio);
      return { ...recording, url: urlFor(recording.message.url) };
    },
    async close() {
      server.closeAllConnections();
      server.close();
      await portal.close();
    },
  };
}

export type LivePortal = Awaited<ReturnType<typeof startLivePortal>>;
