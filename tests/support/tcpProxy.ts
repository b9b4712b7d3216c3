import net from 'node:net';

/**
 * A loopback TCP relay the test can cut and restore: the portal's view of a dependency that becomes
 * unreachable and comes back, without stopping the real service other tests are using. `cut` closes
 * the port (connections refused by the kernel); `refuse` keeps it open but drops every connection at
 * once, counting them, so a test can wait until the portal has tried a given number of times.
 */
export async function startTcpProxy(targetHost: string, targetPort: number) {
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  let port = 0;
  let refusing = false;
  let refused = 0;

  async function open() {
    server = net.createServer((client) => {
      if (refusing) {
        refused += 1;
        client.destroy();
        return;
      }
      const upstream = net.connect(targetPort, targetHost);
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
  }

  async function cut() {
    sockets.forEach((socket) => socket.destroy());
    await new Promise<void>((resolve) => server!.close(() => resolve()));
  }

  await open();
  return {
    port: () => port,
    cut,
    restore: open,
    close: cut,
    /** Drops the connections open now and every new one, until `pass`. */
    refuse() {
      refusing = true;
      sockets.forEach((socket) => socket.destroy());
    },
    pass() {
      refusing = false;
    },
    refused: () => refused,
  };
}
