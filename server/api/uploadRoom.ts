/**
 * How many bytes of uploads one instance holds at once. Audio is checked whole before anything is
 * stored, so each upload is held in memory until it is registered; without a bound, two large
 * uploads at once could take the process past its memory limit, and every claimant's request on
 * the instance would fail with it.
 */
export function uploadRoom(capacityBytes: number) {
  let held = 0;
  return {
    /**
     * Room for an upload of `bytes`, or undefined while others fill the room. One upload is always
     * let in when the room is empty. `release` gives the room back (once, however often it is called).
     */
    admit(bytes: number): { release(): void } | undefined {
      if (held > 0 && held + bytes > capacityBytes) return undefined;
      held += bytes;
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          held -= bytes;
        },
      };
    },
  };
}
