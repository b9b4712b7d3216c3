import vm from 'node:vm';

/**
 * Uncaught exceptions and unhandled rejections while the walk runs. Jest's own handlers (on the
 * real process: the test's `process` is a copy) are set aside for the duration, so an escape is
 * recorded with what was in flight instead of failing whichever test happens to be running, and
 * put back afterwards.
 */
export interface Escape {
  error: string;
  /** Labels of the exchanges in flight when it escaped, and of the last few to end (the server may still be reading a body it has answered). */
  inFlight: string[];
}

export interface EscapeRecorder {
  /** The escapes to explain. */
  escapes: Escape[];
  /** Every escape recorded so far, replays' included. */
  all(): Escape[];
  stop(): void;
}

const EVENTS = ['uncaughtException', 'unhandledRejection'] as const;

/** The message and the first frame of its cause, on one line. */
const describe = (error: unknown) => {
  if (!(error instanceof Error)) return String(error);
  const frame = (error.stack ?? '').split('\n').find((line) => line.trim().startsWith('at '));
  return `${error.message.split('\n')[0]} ${frame?.trim() ?? ''}`.trim();
};

export function recordEscapes(inFlight: Set<string>, recentlyEnded: string[]): EscapeRecorder {
  const real = vm.runInThisContext('process') as NodeJS.Process;
  const escapes: Escape[] = [];
  const record = (error: unknown) => void escapes.push({ error: describe(error), inFlight: [...inFlight, ...recentlyEnded] });
  const saved = EVENTS.map((event) => real.listeners(event as 'uncaughtException'));
  for (const event of EVENTS) {
    real.removeAllListeners(event);
    real.on(event as 'uncaughtException', record);
  }
  return {
    escapes,
    all: () => escapes,
    stop() {
      EVENTS.forEach((event, i) => {
        real.removeListener(event as 'uncaughtException', record);
        for (const listener of saved[i]) real.on(event as 'uncaughtException', listener);
      });
    },
  };
}

/**
 * Which exchange lets an error escape: each one in flight at an escape is sent again alone, then
 * `settled` (another round trip to the server, so what the server still had to do with that body is
 * done), and those after which a new escape is recorded are named. At most `limit` are tried, stalls last.
 */
export async function culprits(recorder: EscapeRecorder, replay: Map<string, { send: () => Promise<unknown> }>, settled: () => Promise<unknown>, limit = 150): Promise<Array<{ label: string; error: string }>> {
  // The exchange behind an escape was near it every time it escaped: the most frequent neighbours first.
  const seen = new Map<string, number>();
  for (const label of recorder.escapes.flatMap((escape) => escape.inFlight)) seen.set(label, (seen.get(label) ?? 0) + 1);
  const ranked = [...seen.keys()].sort((a, b) => seen.get(b)! - seen.get(a)!);
  const candidates = [...ranked.filter((label) => !label.includes(' stall:')), ...ranked.filter((label) => label.includes(' stall:'))].slice(0, limit);
  const found: Array<{ label: string; error: string }> = [];
  for (const label of candidates) {
    const again = replay.get(label);
    if (!again) continue;
    const before = recorder.all().length;
    await again.send();
    await settled();
    if (recorder.all().length > before) found.push({ label, error: recorder.all()[before].error });
  }
  return found;
}
