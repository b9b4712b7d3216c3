import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { Transform } from 'node:stream';

/** The slice of bytes let through at a time: small enough that a paced answer arrives steadily. */
const SLICE_BYTES = 16 * 1024;

/** Passes bytes on at `bytesPerSecond`, holding each slice for the time it takes on such a link. */
function pacedAt(bytesPerSecond: number): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      const slices: Buffer[] = [];
      for (let start = 0; start < chunk.length; start += SLICE_BYTES) slices.push(chunk.subarray(start, start + SLICE_BYTES));
      const next = () => {
        const slice = slices.shift();
        if (!slice) return done();
        this.push(slice);
        setTimeout(next, (slice.length / bytesPerSecond) * 1000);
      };
      next();
    },
  });
}

/**
 * A phone's link to the portal: a TCP relay on loopback that passes what the portal sends at
 * `bytesPerSecond` on each connection (TLS or not, it carries bytes), with the backpressure of a slow
 * network, so a browser reads ahead only as far as such a link lets it in the time a test takes.
 */
export async function phoneLink(to: AddressInfo, bytesPerSecond: number): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const relay = createServer((phone) => {
    const portal = connect(to.port, to.address);
    for (const socket of [phone, portal]) {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      // A connection lost on either side is lost on both, as a dropped network would have it.
      socket.once('error', () => (phone.destroy(), portal.destroy()));
    }
    // The phone gone, the portal's side goes; the portal's side ending, what is on its way still arrives (the pipe ends the phone's).
    phone.once('close', () => portal.destroy());
    phone.pipe(portal);
    portal.pipe(pacedAt(bytesPerSecond)).pipe(phone);
  });
  relay.listen(0, '127.0.0.1');
  await once(relay, 'listening');
  return {
    port: (relay.address() as AddressInfo).port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => relay.close(resolve));
    },
  };
}
