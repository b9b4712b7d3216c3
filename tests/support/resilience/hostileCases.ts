import { demoAudio } from '../demoAudio';
import type { BodyDelivery } from './rawExchange';

/**
 * What the walk sends each route: for every method, requests with hostile heads (huge headers,
 * huge or broken query strings, broken cookies, malformed Range/If-Range); for methods with a
 * body, bodies in each content type a route might parse, cut off, stalled, over-size, with broken
 * multipart boundaries and unsupported charsets.
 */
export interface CaseInput {
  /** The route's path with its parameters filled. */
  path: string;
  /** The caller's CSRF token, when it has one, so a body that does arrive reaches the route's own checks. */
  csrf?: string;
  /** The multipart field a file goes in: `transcript` for transcript routes, else `audio`. */
  fileField: string;
}

export interface WalkRequest {
  /** Another method than the route's, for the cases that ask what else the path answers. */
  method?: string;
  target: string;
  headers: Array<[string, string]>;
  delivery: BodyDelivery;
  /** False when closing without an answer is a fair end (the client cut the body off, stalled, or flooded). */
  mustAnswer: boolean;
}

export interface HostileCase {
  name: string;
  /** Sent only to methods that carry a body (POST, PUT, PATCH, DELETE). */
  withBody: boolean;
  /** Only for GET, and only where the plain answer offers ranges (Accept-Ranges, audio, an attachment). */
  ranges?: boolean;
  /** Only for GET: heads a body method gets through its body cases anyway. */
  readsOnly?: boolean;
  /** A stall: bounded by the server's timeouts, so it gets a longer deadline. */
  stall?: boolean;
  build(input: CaseInput): WalkRequest;
}

/** Bigger than any limit the walk's portal has (API_MAX_UPLOAD_MB=1, TRANSCRIPT_MAX_KB=64, forms 4 KB, webhooks 16 KB). */
export const OVERSIZE_BYTES = 1536 * 1024;
const OVERSIZE_CHUNK = Buffer.alloc(64 * 1024, 'A');

const BOUNDARY = '----routewalk7MA4YWxkTrZu0gW';
const VTT = `WEBVTT\n\n${Array.from({ length: 30 }, (_, i) => `00:00:0${i % 10}.000 --> 00:00:0${i % 10}.500\nCue ${i}: the assessor asks about the walk.\n`).join('\n')}`;

const SMALL_WAV = demoAudio(0.2);

function multipart(input: CaseInput): Buffer {
  const fields: Array<[string, string]> = [['_csrf', input.csrf ?? 'none'], ['reason', REASON], ['assessmentRef', 'WALK-1'], ['nino', 'AB123456C'], ['mobile', '07700900123']];
  const parts = fields.map(([name, value]) => `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
  const file = input.fileField === 'transcript' ? Buffer.from(VTT) : SMALL_WAV;
  const fileHead = `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${input.fileField}"; filename="walk.${input.fileField === 'transcript' ? 'vtt' : 'wav'}"\r\nContent-Type: application/octet-stream\r\n\r\n`;
  return Buffer.concat([Buffer.from(parts.join('') + fileHead), file, Buffer.from(`\r\n--${BOUNDARY}--\r\n`)]);
}

/**
 * The reason carries a NINO, which every staff action refuses ("Don't type personal details
 * here"), so a whole form with a good CSRF token reaches the route and still changes nothing. No
 * nino, email, password or code field: a body must not spend a claimant's attempts or a staff
 * member's sign-ins.
 */
const REASON = 'route walk AB 12 34 56 C';
const urlencoded = (input: CaseInput) => Buffer.from(`_csrf=${encodeURIComponent(input.csrf ?? 'none')}&reason=${encodeURIComponent(REASON)}&grant=x.y.z&query=WALK-1&from=2026-01-01&to=2026-12-31`);
const json = () => Buffer.from(JSON.stringify({ id: 'walk-1', status: 'delivered', reference: 'walk', reason: REASON, MessageSid: 'SM0', MessageStatus: 'delivered' }));

interface BodyType {
  label: string;
  contentType: string;
  body(input: CaseInput): Buffer;
  /** The start of an over-size body of this type; filler follows. */
  oversizeHead(input: CaseInput): Buffer;
}

const BODY_TYPES: BodyType[] = [
  {
    label: 'multipart',
    contentType: `multipart/form-data; boundary=${BOUNDARY}`,
    body: multipart,
    oversizeHead: (input) => Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${input.csrf ?? 'none'}\r\n--${BOUNDARY}\r\nContent-Disposition: form-data; name="${input.fileField}"; filename="big"\r\n\r\n`),
  },
  { label: 'urlencoded', contentType: 'application/x-www-form-urlencoded', body: urlencoded, oversizeHead: (input) => Buffer.from(`_csrf=${encodeURIComponent(input.csrf ?? 'none')}&reason=`) },
  { label: 'json', contentType: 'application/json', body: json, oversizeHead: () => Buffer.from('{"id":"walk","status":"delivered","reason":"') },
  { label: 'vtt', contentType: 'text/vtt; charset=utf-8', body: () => Buffer.from(VTT), oversizeHead: () => Buffer.from('WEBVTT\n\n00:00.000 --> 00:01.000\n') },
];

const cutAt = (body: Buffer) => body.subarray(0, Math.floor(body.length * 0.6));
const plainHead = (input: CaseInput): Pick<WalkRequest, 'target' | 'headers'> => ({ target: input.path, headers: [] });

function bodyCases(type: BodyType): HostileCase[] {
  const headers: Array<[string, string]> = [['Content-Type', type.contentType]];
  return [
    { name: `whole:${type.label}`, withBody: true, build: (input) => ({ target: input.path, headers, delivery: { kind: 'whole', body: type.body(input) }, mustAnswer: true }) },
    // The message is whole (its Content-Length is what came) but its content stops mid-way.
    { name: `truncated:${type.label}`, withBody: true, build: (input) => ({ target: input.path, headers, delivery: { kind: 'whole', body: cutAt(type.body(input)) }, mustAnswer: true }) },
    { name: `cut-off:${type.label}`, withBody: true, build: (input) => ({ target: input.path, headers, delivery: { kind: 'cut-off', body: cutAt(type.body(input)), declared: type.body(input).length }, mustAnswer: false }) },
    { name: `stall:${type.label}`, withBody: true, stall: true, build: (input) => ({ target: input.path, headers, delivery: { kind: 'stall', body: cutAt(type.body(input)), declared: type.body(input).length }, mustAnswer: false }) },
    {
      name: `oversize:${type.label}`,
      withBody: true,
      build: (input) => ({ target: input.path, headers, delivery: { kind: 'stream', head: type.oversizeHead(input), chunk: OVERSIZE_CHUNK, total: OVERSIZE_BYTES }, mustAnswer: false }),
    },
  ];
}

function withContentType(name: string, contentType: string, body: (input: CaseInput) => Buffer): HostileCase {
  return { name, withBody: true, build: (input) => ({ target: input.path, headers: [['Content-Type', contentType]], delivery: { kind: 'whole', body: body(input) }, mustAnswer: true }) };
}

const BROKEN_CONTENT_TYPES: HostileCase[] = [
  withContentType('multipart:no-boundary', 'multipart/form-data', multipart),
  withContentType('multipart:other-boundary', 'multipart/form-data; boundary=not-the-one-in-the-body', multipart),
  withContentType('multipart:huge-boundary', `multipart/form-data; boundary=${'b'.repeat(8_000)}`, multipart),
  withContentType('charset:urlencoded-utf-16', 'application/x-www-form-urlencoded; charset=utf-16', urlencoded),
  withContentType('charset:json-koi8-r', 'application/json; charset=koi8-r', json),
  withContentType('charset:vtt-latin1', 'text/vtt; charset=iso-8859-1', () => Buffer.concat([Buffer.from('WEBVTT\n\n00:00.000 --> 00:01.000\ncaf'), Buffer.from([0xe9, 0xff, 0xfe]), Buffer.from('\n')])),
];

const header = (name: string, headers: Array<[string, string]>, query = '', readsOnly = false): HostileCase => ({
  name,
  withBody: false,
  readsOnly,
  build: (input) => ({ target: input.path + query, headers, delivery: { kind: 'none' }, mustAnswer: true }),
});

const HEAD_CASES: HostileCase[] = [
  { name: 'plain', withBody: false, build: (input) => ({ ...plainHead(input), delivery: { kind: 'none' }, mustAnswer: true }) },
  // Past Node's 16 KB header limit: Node answers 431 (or closes) before the app sees it.
  { name: 'huge-headers', withBody: false, readsOnly: true, build: (input) => ({ target: input.path, headers: [['X-Walk-Padding', 'a'.repeat(20_000)]], delivery: { kind: 'none' }, mustAnswer: false }) },
  header('huge-query', [], `?q=${'a'.repeat(12_000)}`),
  header('many-query-params', [], `?${'lang=cy&a[b]=1&'.repeat(700)}`, true),
  header('bad-percent-query', [], '?lang=%E0%A4%A&q=%zz&%=1&__proto__[x]=1'),
  header('bad-percent-path-suffix', [], '%zz%E0%A4%A', true),
  header('garbage-cookies', [['Cookie', `lang=%zz; staff_session=%E0%A4%A; recording_session=${'a'.repeat(4_000)}; staff_csrf=%`]], '', true),
  header('garbage-accept', [['Accept', 'application/json;q=\u00ff, */*;q=abc'], ['Accept-Language', `${'x-'.repeat(2_000)}cy`], ['Accept-Encoding', 'br;q=2, gzip;q=-1, identity;q=0']], '', true),
];

const range = (name: string, value: string, ifRange?: string): HostileCase => ({
  name: `range:${name}`,
  withBody: false,
  readsOnly: true,
  ranges: true,
  build: (input) => ({ target: input.path, headers: [['Range', value], ...(ifRange === undefined ? [] : ([['If-Range', ifRange]] as Array<[string, string]>))], delivery: { kind: 'none' }, mustAnswer: true }),
});

const other = (method: string): HostileCase => ({ name: `method:${method}`, withBody: false, build: (input) => ({ method, target: input.path, headers: [], delivery: { kind: 'none' }, mustAnswer: true }) });

/** What the path answers to other methods and request forms than the route's own. */
const FORM_CASES: HostileCase[] = [
  other('HEAD'),
  other('OPTIONS'),
  other('WALK'),
  { name: 'absolute-form-target', withBody: false, build: (input) => ({ target: `http://evil.example${input.path}`, headers: [], delivery: { kind: 'none' }, mustAnswer: true }) },
  // Both framings at once (a request-smuggling shape): Node refuses it before the app sees it.
  { name: 'chunked-and-length', withBody: true, build: (input) => ({ target: input.path, headers: [['Content-Type', 'application/x-www-form-urlencoded'], ['Content-Length', '4'], ['Transfer-Encoding', 'chunked']], delivery: { kind: 'whole-raw', body: Buffer.from('5\r\na=1&b\r\n0\r\n\r\n') }, mustAnswer: false }) },
];

const RANGE_CASES: HostileCase[] = [
  range('not-bytes', 'bytes=abc'),
  range('backwards', 'bytes=500-100'),
  range('huge-number', 'bytes=99999999999999999999999-'),
  range('many-ranges', `bytes=${Array.from({ length: 600 }, (_, i) => `${i * 2}-${i * 2}`).join(',')}`),
  range('if-range-garbage', 'bytes=0-99', 'not a date or etag \u00ff'),
  range('if-range-huge', 'bytes=0-99', `"${'e'.repeat(8_000)}"`),
];

export const HOSTILE_CASES: HostileCase[] = [...HEAD_CASES, ...FORM_CASES, ...RANGE_CASES, ...BODY_TYPES.flatMap(bodyCases), ...BROKEN_CONTENT_TYPES];

/** The cases a route filled with garbage parameters gets: enough to reach the parameter's parsing with and without a body. */
export const GARBAGE_PARAM_CASES = new Set(['plain', 'bad-percent-query', 'truncated:multipart', 'cut-off:urlencoded', 'range:not-bytes']);

/** Parameter values no route should choke on; each garbage case takes the next. */
export const GARBAGE_PARAMS = ['%E0%A4%A', 'a'.repeat(3_000), '..%2F..%2Fetc%2Fpasswd', '%00', '__proto__'];
