import type { IncomingMessage } from 'node:http';
import type { EngineName } from './enginePage';
import type { Answer, LivePortal } from './livePortal';

/** Every answer the portal gave the player (read on the portal's side, the same in every engine), from arrival `from` on. */
export const listenAnswers = (portal: LivePortal, from = 0): Answer[] =>
  portal.answers.filter((answer) => answer.arrived >= from && /^\/r\/[^/]+\/listen(\/|$)/.test(answer.path)).sort((a, b) => a.arrived - b.arrived);

/** Audio sent: a range (206), or the whole file (200, which WebKitGTK asks for with no Range). */
export const sentAudio = (answer: Answer) => answer.status === 206 || (answer.status === 200 && /^audio\//.test(answer.contentType ?? ''));

/** One request as a line reads it: what was asked (Range or none), what came back, whether it was cut short. */
const asked = (answer: Answer) =>
  `${answer.range ?? 'no Range'}${answer.icyMetaData ? ' +Icy-MetaData' : ''} → ${answer.status}${answer.contentRange ? ` ${answer.contentRange.replace(/^bytes /, '')}` : ''}${answer.cut ? ' (cut)' : ''}`;

/**
 * What each engine asks for, as seen here (Chromium 14x, Firefox ESR 153, WebKitGTK 2.50): Chromium
 * and Firefox open with `bytes=0-` and seek with `bytes=N-`; WebKitGTK (GStreamer) opens with a
 * plain GET, no Range, with `Icy-MetaData: 1`, and seeks or reconnects with `bytes=N-`. Nobody sends
 * a closed range; each open range is answered to the end of the file (WebKitGTK takes a 206's length
 * as the rest of the file).
 */
export function expectAudioRequestsOf(engineName: EngineName, answers: Answer[], sizeBytes: number, label: string): void {
  const audio = answers.filter(sentAudio);
  process.stderr.write(`e2e audio requests: ${engineName} (${label}): ${answers.map(asked).join('; ')}\n`);
  expect(audio.length).toBeGreaterThan(0);
  const [first] = audio;
  if (engineName === 'webkit') expect({ range: first.range, status: first.status, icy: first.icyMetaData }).toEqual({ range: undefined, status: 200, icy: '1' });
  else expect({ range: first.range, status: first.status, contentRange: first.contentRange }).toEqual({ range: 'bytes=0-', status: 206, contentRange: `bytes 0-${sizeBytes - 1}/${sizeBytes}` });
  for (const answer of audio.filter((a) => a.range !== undefined)) {
    expect(answer.range).toMatch(/^bytes=\d+-$/);
    const from = Number(answer.range!.slice('bytes='.length, -1));
    expect({ range: answer.range, contentRange: answer.contentRange }).toEqual({ range: answer.range, contentRange: `bytes ${from}-${sizeBytes - 1}/${sizeBytes}` });
  }
  expect(answers.filter((answer) => answer.status >= 500)).toEqual([]);
}

/** Runs `step`; if it fails, first logs what the player asked for meanwhile, so a stall in one engine says what it did. */
export async function sayingRequestsIfItFails<T>(portal: LivePortal, engineName: EngineName, from: number, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    const answered = new Set(portal.answers.map((answer) => answer.arrived));
    const open = portal.asked.filter((request) => request.arrived >= from && !answered.has(request.arrived) && /\/listen(\/|$)/.test(request.path));
    const stillOpen = open.length ? `; still open: ${open.map((request) => request.range ?? 'no Range').join(', ')}` : '';
    process.stderr.write(`e2e audio requests before a failure: ${engineName}: ${listenAnswers(portal, from).map(asked).join('; ')}${stillOpen}\n`);
    throw error;
  }
}

/** A player's request for audio from past the start (a seek, or WebKitGTK asking again further on). */
export const askedFurtherOn = (req: IncomingMessage) => /\/listen(\/|$)/.test(req.url ?? '') && /^bytes=[1-9]\d*-/.test(req.headers.range ?? '');

/**
 * Holds the player's next request for audio from further on until `change` has been made, so the
 * stop is tested where the portal makes it: at the next bytes asked for. WebKitGTK downloads ahead as
 * fast as it is answered (a 20-minute file in seconds on a quiet machine) and a player already holding
 * the bytes it seeks to asks for nothing; held, it has at most what it was sent before the change.
 * Only for a test that asks nothing more of the player before the change: WebKitGTK will not play on
 * from a seek, even into bytes it has, while a request of its own is held.
 */
export function holdPlayerUntil(portal: LivePortal): { changed: () => void } {
  let changed!: () => void;
  const made = new Promise<void>((resolve) => (changed = resolve));
  portal.holdNext(askedFurtherOn, () => made);
  return { changed };
}
