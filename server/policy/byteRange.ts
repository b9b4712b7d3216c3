import parseRange from 'range-parser';

/** Which bytes of an object one response carries. `end` is inclusive, as in `Content-Range`. */
export type BytePlan =
  | { status: 200; start: 0; end: number }
  | { status: 206; start: number; end: number }
  | { status: 416 };

export interface RangeRequest {
  /** The request's `Range` header, if any. */
  range: string | undefined;
  /** The request's `If-Range` header, if any: the Range holds only while it names the current ETag. */
  ifRange: string | undefined;
  size: number;
  etag: string;
}

/** Longer than any Range a browser or download manager sends; parsing thousands of ranges is work for nothing. */
const MAX_RANGE_HEADER_LENGTH = 200;

/**
 * Decides a response to a GET under RFC 9110's range rules: a malformed, oversized or non-byte
 * Range is ignored (the whole object), a Range whose If-Range names another version is ignored,
 * a Range outside the object is 416. Several ranges are answered as the first one alone (browsers
 * and download managers ask for one). A range is answered as asked, an open one (`bytes=N-`) to the
 * end of the object: WebKitGTK's player takes a 206's Content-Length as the rest of the file (its
 * size becomes N + length), so a shorter answer would end the recording there for it. How long an
 * answer may run is the sender's business (slices, each checked), not the range's.
 */
export function planBytes(request: RangeRequest): BytePlan {
  const whole = { status: 200 as const, start: 0 as const, end: request.size - 1 };
  const { range, ifRange } = request;
  if (range === undefined || range.length > MAX_RANGE_HEADER_LENGTH) return whole;
  if (ifRange !== undefined && ifRange !== request.etag) return whole;
  const parsed = parseRange(request.size, range, { combine: true });
  if (parsed === -2 || (parsed !== -1 && parsed.type !== 'bytes')) return whole;
  if (parsed === -1 || parsed.length === 0) return { status: 416 };
  const [{ start, end }] = parsed;
  return { status: 206, start, end };
}

/** A run of an object's bytes, `end` inclusive. */
export type ByteSpan = { start: number; end: number };

/**
 * The bucket reads one answer is made of, in order: at most `sliceBytes` each, so that whoever it is
 * for can be asked about again between them. Always at least one (an empty object is one empty read).
 */
export function slicesOf(span: ByteSpan, sliceBytes: number): [ByteSpan, ...ByteSpan[]] {
  const slices: [ByteSpan, ...ByteSpan[]] = [{ start: span.start, end: Math.min(span.end, span.start + sliceBytes - 1) }];
  for (let start = slices[0].end + 1; start <= span.end; start += sliceBytes) slices.push({ start, end: Math.min(span.end, start + sliceBytes - 1) });
  return slices;
}
