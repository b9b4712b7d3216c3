/**
 * How many uploads one instance receives at once, and how many of them one provider may hold. An
 * upload is streamed to the bucket, so what it costs the instance is a socket and a bounded buffer
 * (a few parts of the multipart upload), not its file's size: the room is a number of slots, each
 * worth `bytesPerUpload` of memory at most. No provider holds more than half the slots, so one whose
 * uploads crawl over a slow line cannot turn every other provider away for the minutes they take.
 */
export function uploadRoom(options: { capacityBytes: number; bytesPerUpload: number }) {
  const slots = Math.max(2, Math.floor(options.capacityBytes / options.bytesPerUpload));
  const perProvider = Math.floor(slots / 2);
  let held = 0;
  const heldBy = new Map<string, number>();
  return {
    slots,
    perProvider,
    /**
     * A slot for one of this provider's uploads, or undefined while the room, or the provider's share
     * of it, is full. `release` gives the slot back (once, however often it is called).
     */
    admit(providerId: string): { release(): void } | undefined {
      const ownHeld = heldBy.get(providerId) ?? 0;
      if (held >= slots || ownHeld >= perProvider) return undefined;
      held += 1;
      heldBy.set(providerId, ownHeld + 1);
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          held -= 1;
          const left = heldBy.get(providerId)! - 1;
          if (left === 0) heldBy.delete(providerId);
          else heldBy.set(providerId, left);
        },
      };
    },
  };
}
