import net from 'node:net';

/**
 * One HTTP/1.1 exchange over a raw socket, byte for byte: the request line and headers as given,
 * then the body sent whole, cut off (the client stops sending and half-closes), stalled (the client
 * sends part and then nothing, holding the socket open) or streamed until the server answers.
 * Every exchange has its own deadline, so a server that never answers is a result, not a hung test.
 */
export type BodyDelivery =
  | { kind: 'none' }
  | { kind: 'whole'; body: Buffer }
  /** Sent after the head as is, with no framing header added (the case gives its own). */
  | { kind: 'whole-raw'; body: Buffer }
  /** `declared` bytes announced in Content-Length, `body` sent, then the client half-closes. */
  | { kind: 'cut-off'; body: Buffer; declared: number }
  /** `declared` bytes announced, `body` sent, then silence until the server answers or closes. */
  | { kind: 'stall'; body: Buffer; declared: number }
  /** Chunked: `head`, then `chunk` repeated to `total` bytes, written until the server answers or closes. */
  | { kind: 'stream'; head: Buffer; chunk: Buffer; total: number };

export interface Exchange {
  port: number;
  method: string;
  /** Sent as is: broken percent escapes reach the server as an attacker sends them. */
  target: string;
  headers: Array<[string, string]>;
  delivery: BodyDelivery;
  timeoutMs: number;
  /** Reading stops (and the socket is closed) past this many bytes of answer. */
  maxBytes: number;
}

export interface ExchangeResult {
  /** Undefined when the connection closed with no status line. */
  status?: number;
  headers: Record<string, string>;
  /** Bytes after the head, as they came (chunk framing included). */
  bodyBytes: number;
  /** More than maxBytes came: reading was stopped. */
  overflowed: boolean;
  /** The deadline passed with the exchange unfinished. */
  hung: boolean;
  ms: number;
}

function head(exchange: Exchange): string {
  const lines = [`${exchange.method} ${exchange.target} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close'];
  for (const [name, value] of exchange.headers) lines.push(`${name}: ${value}`);
  const { delivery } = exchange;
  if (delivery.kind === 'whole') lines.push(`Content-Length: ${delivery.body.length}`);
  if (delivery.kind === 'cut-off' || delivery.kind === 'stall') lines.push(`Content-Length: ${delivery.declared}`);
  if (delivery.kind === 'stream') lines.push('Transfer-Encoding: chunked');
  return `${lines.join('\r\n')}\r\n\r\n`;
}

function parseHead(text: string): { status?: number; headers: Record<string, string> } {
  const [statusLine, ...lines] = text.split('\r\n');
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1];
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: status ? Number(status) : undefined, headers };
}

/** Writes chunk after chunk while the socket drains, until `total` is sent or the server has spoken. */
const chunkFrame = (bytes: Buffer) => Buffer.concat([Buffer.from(`${bytes.length.toString(16)}\r\n`), bytes, Buffer.from('\r\n')]);

function streamBody(socket: net.Socket, head: Buffer, chunk: Buffer, total: number, answered: () => boolean): void {
  let sent = head.length;
  socket.write(chunkFrame(head));
  const frame = chunkFrame(chunk);
  const pump = () => {
    while (sent < total && !answered() && !socket.destroyed) {
      sent += chunk.length;
      if (!socket.write(frame)) return void socket.once('drain', pump);
    }
    if (!answered() && !socket.destroyed) socket.end('0\r\n\r\n');
  };
  pump();
}

export function rawExchange(exchange: Exchange): Promise<ExchangeResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = net.connect(exchange.port, '127.0.0.1');
    const received: Buffer[] = [];
    let bytes = 0;
    let overflowed = false;
    let hung = false;
    const finish = () => {
      clearTimeout(timer);
      const all = Buffer.concat(received);
      const split = all.indexOf('\r\n\r\n');
      const parsed = parseHead(all.subarray(0, split < 0 ? all.length : split).toString('latin1'));
      resolve({ ...parsed, bodyBytes: split < 0 ? 0 : all.length - split - 4, overflowed, hung, ms: performance.now() - started });
    };
    const timer = setTimeout(() => {
      hung = true;
      socket.destroy();
    }, exchange.timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > exchange.maxBytes) {
        overflowed = true;
        socket.destroy();
        return;
      }
      received.push(chunk);
    });
    socket.on('error', () => {});
    socket.on('close', finish);
    socket.on('connect', () => {
      const { delivery } = exchange;
      socket.write(head(exchange));
      // A whole request is not half-closed: with Connection: close the server ends the socket after answering.
      if (delivery.kind === 'whole' || delivery.kind === 'whole-raw') socket.write(delivery.body);
      else if (delivery.kind === 'cut-off') socket.end(delivery.body);
      else if (delivery.kind === 'stall') socket.write(delivery.body);
      else if (delivery.kind === 'stream') streamBody(socket, delivery.head, delivery.chunk, delivery.total, () => bytes > 0);
    });
  });
}
