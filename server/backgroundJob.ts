/**
 * Runs a job in the background, one run at a time: a kick during a run asks for one more after it
 * (however many kicks came), and once started it is also kicked every interval. Errors are the job's
 * to report; a run that throws does not stop later ones.
 */
export function backgroundJob(run: () => Promise<void>, options: { kicksBeforeStart: boolean }) {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  let again = false;

  function kick(): void {
    if (again || (!timer && !options.kicksBeforeStart)) return;
    again = true;
    running = running.then(async () => {
      again = false;
      await run();
    });
  }

  return {
    kick,
    /**
     * Resolves once the run under way and the one already asked for (by kick() or the interval)
     * have finished: what those runs do is done. A kick after this call asks for a run it does not wait for.
     */
    settled: (): Promise<void> => running.then(() => undefined),
    start(intervalMs: number) {
      timer ??= setInterval(kick, intervalMs);
      timer.unref();
      kick();
    },
    async stop() {
      clearInterval(timer);
      timer = undefined;
      await running;
    },
  };
}

export type BackgroundJob = ReturnType<typeof backgroundJob>;
