/**
 * Waits for a state the portal reaches on its own (a row written, a line logged, a socket closed),
 * looking every `everyMs`, and fails naming it if it has not come within `timeoutMs`. The wait ends
 * when the state comes, not after a guess at how long it takes. For a background job's work, await
 * its settled() instead.
 */
export async function waitUntil(what: string, condition: () => boolean | Promise<boolean>, { timeoutMs = 10_000, everyMs = 20 } = {}): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !(await condition()); ) {
    if (Date.now() > deadline) throw new Error(`never came within ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
