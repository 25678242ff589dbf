/**
 * A minimal protobuf encoder for Prometheus remote-write 1.0's `prometheus.WriteRequest` — exactly the fields a
 * counter/gauge sample needs, nothing else:
 *
 * ```proto
 * message WriteRequest { repeated TimeSeries timeseries = 1; }
 * message TimeSeries   { repeated Label labels = 1; repeated Sample samples = 2; }
 * message Label        { string name = 1; string value = 2; }
 * message Sample       { double value = 1; int64 timestamp = 2; }   // timestamp in milliseconds
 * ```
 *
 * Why hand-written rather than protobufjs: the schema is fixed and tiny (four messages, five field kinds), the
 * encoder is ~100 lines with no dependency, and it runs in workerd as it is. protobufjs/minimal needs generated
 * code or reflection and probes for optional Node modules through `eval`, which Workers forbid (it happens to
 * fail quietly). The encoding is checked against Prometheus itself: test/workers.test.ts pushes it to a real
 * Prometheus remote-write receiver (which answers 400 to anything it cannot decode) and reads the samples back,
 * and decodes it with an independent reader in the test.
 *
 * Label pairs are encoded once per series and reused on every push (`encodeLabels`); the caller passes them
 * sorted by name, as the remote-write spec requires.
 */

const encoder = new TextEncoder();

/** A label pair. */
export type Label = readonly [name: string, value: string];

export interface Sample {
  readonly value: number;
  /** Milliseconds since the epoch (remote write rejects seconds). A non-negative integer. */
  readonly timestamp: number;
}

/** A series ready to encode: its labels as `encodeLabels` returned them, and its samples in time order. */
export interface EncodedSeries {
  readonly labels: Uint8Array;
  readonly samples: readonly Sample[];
}

const TAG_1_BYTES = 0x0a; // field 1, wire type 2 (length-delimited)
const TAG_2_BYTES = 0x12; // field 2, wire type 2
const TAG_1_FIXED64 = 0x09; // field 1, wire type 1 (64-bit)
const TAG_2_VARINT = 0x10; // field 2, wire type 0 (varint)

/** Bytes of an unsigned varint; `n` is a non-negative integer below 2^53. */
export function varintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

/** Writes an unsigned varint at `at`; returns the next offset. Arithmetic, not bitwise: values exceed 2^31. */
function writeVarint(buf: Uint8Array, at: number, n: number): number {
  while (n >= 0x80) {
    buf[at++] = (n % 128) | 0x80;
    n = Math.floor(n / 128);
  }
  buf[at++] = n;
  return at;
}

function checkTimestamp(ts: number): void {
  if (!Number.isSafeInteger(ts) || ts < 0) throw new RangeError(`timestamp ${ts}: expected integer milliseconds ≥ 0`);
}

/**
 * Encodes the `labels` field entries of a TimeSeries (repeated `Label`, field 1). Throws when the names are not
 * strictly increasing (sorted, no duplicates) or a name or value is empty.
 */
export function encodeLabels(labels: readonly Label[]): Uint8Array {
  const parts: { name: Uint8Array; value: Uint8Array; size: number }[] = [];
  let total = 0;
  let previous = '';
  for (const [n, v] of labels) {
    if (n === '' || v === '')
      throw new TypeError(`label ${JSON.stringify(n)}="${v}": empty names and values are not sent`);
    if (previous !== '' && !(n > previous))
      throw new TypeError(`labels must be sorted by name: ${previous} before ${n}`);
    previous = n;
    const name = encoder.encode(n);
    const value = encoder.encode(v);
    const size = 1 + varintSize(name.length) + name.length + 1 + varintSize(value.length) + value.length;
    parts.push({ name, value, size });
    total += 1 + varintSize(size) + size;
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const { name, value, size } of parts) {
    out[at++] = TAG_1_BYTES;
    at = writeVarint(out, at, size);
    out[at++] = TAG_1_BYTES;
    at = writeVarint(out, at, name.length);
    out.set(name, at);
    at += name.length;
    out[at++] = TAG_2_BYTES;
    at = writeVarint(out, at, value.length);
    out.set(value, at);
    at += value.length;
  }
  return out;
}

function sampleSize(s: Sample): number {
  return 1 + 8 + 1 + varintSize(s.timestamp);
}

/** Encodes a WriteRequest holding `series`. */
export function encodeWriteRequest(series: readonly EncodedSeries[]): Uint8Array<ArrayBuffer> {
  const sizes: number[] = [];
  let total = 0;
  for (const s of series) {
    let size = s.labels.length;
    for (const sample of s.samples) {
      checkTimestamp(sample.timestamp);
      const n = sampleSize(sample);
      size += 1 + varintSize(n) + n;
    }
    sizes.push(size);
    total += 1 + varintSize(size) + size;
  }
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  let at = 0;
  series.forEach((s, i) => {
    out[at++] = TAG_1_BYTES;
    at = writeVarint(out, at, sizes[i] as number);
    out.set(s.labels, at);
    at += s.labels.length;
    for (const sample of s.samples) {
      out[at++] = TAG_2_BYTES;
      at = writeVarint(out, at, sampleSize(sample));
      out[at++] = TAG_1_FIXED64;
      view.setFloat64(at, sample.value, true);
      at += 8;
      out[at++] = TAG_2_VARINT;
      at = writeVarint(out, at, sample.timestamp);
    }
  });
  return out;
}
