import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { startTestPortal } from '../../../scripts/support/testPortal';

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
    /** Registers a recording in the claimant's language and texts its link, which `url` points at this server. */
    async recordingInLanguage(language: 'en' | 'cy', audio?: Buffer) {
      const recording = await portal.recordingWithLink(audio, undefined, language);
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
