/**
 * A JSON-RPC message reader (vscode-jsonrpc's `Content-Length` framing, as LSP) that never holds more than a cap:
 * the header is read first and a message that says it is larger than `maxBytes()` is refused before any of its body
 * is kept. vscode-jsonrpc's own readers buffer whatever the header says, so one unauthenticated client could make the
 * trainer hold gigabytes. A frame that breaks the rules (a header too long or without Content-Length, a body that is
 * not a JSON object) is refused the same way: `onViolation` says why, and the owner closes the transport (a reader
 * cannot resynchronise after a bad frame). The cap is asked per message, so it can grow after authentication.
 */
import type { Readable } from 'node:stream';
import { AbstractMessageReader, Disposable, type DataCallback, type Message } from 'vscode-jsonrpc';

/** Longest header section: a real one is about 60 bytes. */
const MAX_HEADER_BYTES = 8 * 1024;
const SEPARATOR = Buffer.from('\r\n\r\n', 'ascii');

export interface CappedReaderOptions {
  /** Largest message body in bytes, asked when each header arrives. */
  maxBytes(): number;
  /** A frame broke the rules (`why` is a sentence for the log); the reader stops reading, the owner should close. */
  onViolation(why: string): void;
}

export class CappedMessageReader extends AbstractMessageReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Body length of the message being read; -1 while reading a header. */
  private bodyLength = -1;
  private stopped = false;

  constructor(private readonly readable: Readable, private readonly opts: CappedReaderOptions) {
    super();
  }

  listen(callback: DataCallback): Disposable {
    const onData = (chunk: Buffer) => this.onData(chunk, callback);
    const onError = (e: Error) => this.fireError(e);
    const onClose = () => this.fireClose();
    this.readable.on('data', onData);
    this.readable.on('error', onError);
    this.readable.on('end', onClose);
    this.readable.on('close', onClose);
    return Disposable.create(() => {
      this.readable.off('data', onData);
      this.readable.off('error', onError);
      this.readable.off('end', onClose);
      this.readable.off('close', onClose);
    });
  }

  private onData(chunk: Buffer, callback: DataCallback): void {
    if (this.stopped) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    while (!this.stopped) {
      if (this.bodyLength < 0 && !this.readHeader()) return;
      if (this.buffered < this.bodyLength) return;
      const body = this.take(this.bodyLength);
      this.bodyLength = -1;
      const message = parseMessage(body);
      if (typeof message === 'string') return this.violate(message);
      callback(message);
    }
  }

  /** Parses a complete header into `bodyLength`; false while the header is incomplete (or after a violation). */
  private readHeader(): boolean {
    const head = this.peek(Math.min(this.buffered, MAX_HEADER_BYTES + SEPARATOR.length));
    const end = head.indexOf(SEPARATOR);
    if (end < 0) {
      if (this.buffered > MAX_HEADER_BYTES) this.violate(`a message header longer than ${MAX_HEADER_BYTES} bytes`);
      return false;
    }
    const length = parseHeader(head.subarray(0, end).toString('ascii'));
    if (typeof length === 'string') {
      this.violate(length);
      return false;
    }
    const max = this.opts.maxBytes();
    if (length > max) {
      this.violate(`a message of ${length.toLocaleString('en-US')} bytes (the limit is ${max.toLocaleString('en-US')})`);
      return false;
    }
    this.take(end + SEPARATOR.length);
    this.bodyLength = length;
    return true;
  }

  private violate(why: string): void {
    this.stopped = true;
    this.chunks = [];
    this.buffered = 0;
    this.opts.onViolation(why);
    this.fireError(new Error(why));
  }

  /** The first `n` buffered bytes, without consuming them. */
  private peek(n: number): Buffer {
    if (this.chunks[0] && this.chunks[0].length >= n) return this.chunks[0].subarray(0, n);
    const parts: Buffer[] = [];
    for (let have = 0, i = 0; have < n && i < this.chunks.length; i++) {
      parts.push(this.chunks[i]!);
      have += this.chunks[i]!.length;
    }
    return Buffer.concat(parts).subarray(0, n);
  }

  /** Removes and returns the first `n` buffered bytes. */
  private take(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const c = this.chunks[0]!;
      const used = Math.min(c.length, n - filled);
      c.copy(out, filled, 0, used);
      filled += used;
      if (used === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(used);
    }
    this.buffered -= n;
    return out;
  }
}

/** The Content-Length of a header section, or what is wrong with it. */
function parseHeader(text: string): number | string {
  let length: number | undefined;
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) return 'a malformed message header';
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'content-length') {
      if (!/^\d{1,15}$/.test(value)) return 'a message header with an invalid Content-Length';
      length = Number(value);
    } else if (name === 'content-type') {
      const charset = /charset=([^;\s]+)/i.exec(value)?.[1]?.toLowerCase().replace(/^"|"$/g, '');
      if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') return 'a message that is not UTF-8';
    }
  }
  return length ?? 'a message header without Content-Length';
}

/** The JSON-RPC message in a body, or what is wrong with it. */
function parseMessage(body: Buffer): Message | string {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    return 'a message that is not valid JSON';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'a message that is not a JSON object';
  return value as Message;
}
