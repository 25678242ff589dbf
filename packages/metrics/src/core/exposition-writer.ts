/**
 * The byte writer `/metrics` renders the HTTP families into (registry.ts, renderHttpFamilies).
 *
 * Why bytes and not `out += …`: rendering 20k label sets is ≈220k lines, ≈23.5 MB. Built by string concatenation
 * it took ≈130–160 ms on this machine, and a CPU profile (node --cpu-prof) put most of it in the garbage collector:
 * every template literal and every `+=` allocates a string (a cons string per append), ≈1M short-lived objects
 * a render. This writer appends into one growable Uint8Array instead and decodes it once at the end: the label
 * string of a series is encoded once a render and every further line of that series copies its bytes from the
 * output itself (copyWithin, a memmove); integers (counts, cumulative buckets) are written as digits without
 * making a string; constant pieces (metric names, `le` suffixes) are pre-encoded. Measured at 20k label sets:
 * the string version and this one side by side in one process, this one took 0.22× the time (the string's
 * flattening included: a concatenated string is flattened when it is written out); render.bench.ts, against
 * prom-client rendering the same series, went from 0.27× (IQR 0.27–0.28) to 0.15× (IQR 0.13–0.17).
 *
 * Web-standard APIs only (Cloudflare Workers import registry.ts): Uint8Array, TextEncoder/TextDecoder. Where
 * Node's Buffer exists, an all-ASCII body (the usual case) is decoded with `toString('ascii')`, ≈4 ms for
 * 23.5 MB against ≈15 ms for TextDecoder; both give the same string for ASCII bytes.
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder();
type AsciiDecoder = (bytes: Uint8Array, end: number) => string;
const NodeBuffer = (
  globalThis as { Buffer?: { from(a: ArrayBuffer, o: number, n: number): { toString(e: string): string } } }
).Buffer;
const decodeAscii: AsciiDecoder | undefined =
  NodeBuffer === undefined
    ? undefined
    : (bytes, end) => NodeBuffer.from(bytes.buffer as ArrayBuffer, bytes.byteOffset, end).toString('ascii');

/** Pre-encodes a constant piece of the exposition (ASCII or not). */
export function encodeConstant(text: string): Uint8Array {
  return encoder.encode(text);
}

/**
 * The bytes every render writes into, kept between renders and grown to the largest body so far (most scrapes are
 * alike). A fresh 23.5 MB array per render cost ≈10 ms of zero-filling and made the GC run more (external
 * memory pressure); kept, it costs the process one body's size (≈1.2 MB at the default 1000 label sets).
 * Renders are synchronous, so one array serves them all: `finish()` copies the bytes out into the string.
 */
let scratch = new Uint8Array(64 * 1024);

/** Appends exposition text into one growable byte array; `finish()` returns it as a string. */
export class ExpositionWriter {
  private bytes: Uint8Array;
  /** Bytes written so far. */
  pos = 0;
  /** Every byte written is below 0x80 (so a fast ASCII decode gives the right string). */
  private ascii = true;

  constructor() {
    this.bytes = scratch;
  }

  /** Makes room for `n` more bytes (callers reserve a line's worst case once, then write unchecked). */
  reserve(n: number): void {
    if (this.pos + n <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < this.pos + n) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.bytes.subarray(0, this.pos));
    this.bytes = grown;
    scratch = grown;
  }

  /**
   * Appends a string as UTF-8 (reserves its worst case, 3 bytes a UTF-16 code unit). Label values are well-formed
   * UTF-16 (sanitizeLabelValue); a lone surrogate would come out as U+FFFD, as it would on the wire anyway.
   */
  text(s: string): void {
    this.reserve(s.length * 3);
    const bytes = this.bytes;
    let p = this.pos;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        // Rare (a non-ASCII route): let the encoder do the rest of the string.
        this.ascii = false;
        p += encoder.encodeInto(s.slice(i), bytes.subarray(p)).written;
        break;
      }
      bytes[p++] = c;
    }
    this.pos = p;
  }

  /** Appends pre-encoded bytes (encodeConstant). Unchecked: reserve first. */
  raw(piece: Uint8Array): void {
    const bytes = this.bytes;
    let p = this.pos;
    // Short pieces: a loop beats TypedArray#set's call overhead.
    if (piece.length <= 16) for (let i = 0; i < piece.length; i++) bytes[p++] = piece[i] as number;
    else {
      bytes.set(piece, p);
      p += piece.length;
    }
    this.pos = p;
  }

  /** Appends a copy of bytes already written, [start, end). Unchecked: reserve first. */
  again(start: number, end: number): void {
    this.bytes.copyWithin(this.pos, start, end);
    this.pos += end - start;
  }

  /** Appends one ASCII byte. Unchecked: reserve first. */
  byte(c: number): void {
    this.bytes[this.pos++] = c;
  }

  /**
   * Appends `String(n)` for a count: non-negative safe integers digit by digit (no string made), anything else
   * (never seen from the counters; kept for byte-identical output) through String(). Unchecked for the
   * integer path (≤ 16 digits): reserve first.
   */
  count(n: number): void {
    if (!(n >= 0 && n <= Number.MAX_SAFE_INTEGER && Math.floor(n) === n)) {
      this.text(String(n));
      return;
    }
    const bytes = this.bytes;
    if (n < 10) {
      bytes[this.pos++] = 48 + n;
      return;
    }
    let digits = 1;
    for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++;
    let p = this.pos + digits;
    this.pos = p;
    while (n >= 10) {
      const q = Math.floor(n / 10);
      bytes[--p] = 48 + (n - q * 10);
      n = q;
    }
    bytes[p - 1] = 48 + n;
  }

  /** The text written, as a string. The writer must not be used afterwards. */
  finish(): string {
    if (this.ascii && decodeAscii !== undefined) return decodeAscii(this.bytes, this.pos);
    return decoder.decode(this.bytes.subarray(0, this.pos));
  }
}
