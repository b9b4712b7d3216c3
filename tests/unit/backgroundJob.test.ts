import { backgroundJob } from '../../server/backgroundJob';

/** A run the test lets finish when it chooses, so nothing here depends on how long anything takes. */
function gatedRuns() {
  const gates: Array<() => void> = [];
  let finished = 0;
  const run = () =>
    new Promise<void>((resolve) => {
      gates.push(() => {
        finished++;
        resolve();
      });
    });
  return { run, gates, finished: () => finished };
}

/** Lets every promise callback that can run, run: what settled() would have resolved by, had it not waited. */
const turn = () => new Promise((resolve) => setImmediate(resolve));

function watch(promise: Promise<void>) {
  let resolved = false;
  void promise.then(() => (resolved = true));
  return () => resolved;
}

test('settled() resolves only once the run under way has finished', async () => {
  const runs = gatedRuns();
  const job = backgroundJob(runs.run, { kicksBeforeStart: true });
  job.kick();
  const settled = watch(job.settled());
  await turn();
  expect(runs.gates).toHaveLength(1);
  expect(settled()).toBe(false);
  runs.gates[0]();
  await job.settled();
  expect(runs.finished()).toBe(1);
});

test('a kick during a run asks for one more; settled() waits for it too, however many kicks came', async () => {
  const runs = gatedRuns();
  const job = backgroundJob(runs.run, { kicksBeforeStart: true });
  job.kick();
  await turn();
  for (let i = 0; i < 5; i++) job.kick();
  const settled = watch(job.settled());
  runs.gates[0]();
  await turn();
  expect(runs.gates).toHaveLength(2);
  expect(settled()).toBe(false);
  runs.gates[1]();
  await job.settled();
  expect(runs.finished()).toBe(2);
});

test('with nothing kicked, or a job not started that waits for start(), settled() resolves without a run', async () => {
  const runs = gatedRuns();
  const job = backgroundJob(runs.run, { kicksBeforeStart: false });
  job.kick();
  await job.settled();
  expect(runs.gates).toHaveLength(0);
});

test('start() runs the job at once; settled() waits for that run, and stop() for it too', async () => {
  const runs = gatedRuns();
  const job = backgroundJob(runs.run, { kicksBeforeStart: false });
  job.start(60_000);
  const settled = watch(job.settled());
  await turn();
  expect(settled()).toBe(false);
  const stopped = watch(job.stop());
  await turn();
  expect(stopped()).toBe(false);
  runs.gates[0]();
  await job.settled();
  await turn();
  expect(stopped()).toBe(true);
});
