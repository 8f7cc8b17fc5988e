/**
 * Collects a stream's bytes into frames of the framed protocol (../protocol.ts): a header whose
 * first u32 is the length of the body that follows. Chunks are joined only when a frame spans them.
 * Shared by the Node.js runtime and the gateway, so it imports nothing.
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private size = 0;

  constructor(private readonly headerBytes: number) {}

  /** Bytes received and not yet taken. */
  get buffered(): number {
    return this.size;
  }

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
  }

  /** The next `count` bytes, taken out of the reader once they have all arrived. */
  takeBytes(count: number): Buffer | undefined {
    if (this.size < count) return undefined;
    if (this.chunks[0]!.length < count) this.join();
    const first = this.chunks[0]!;
    if (first.length === count) this.chunks.shift();
    else this.chunks[0] = first.subarray(count);
    this.size -= count;
    return first.subarray(0, count);
  }

  /** The next frame's header once it has arrived, left in the reader. */
  peekHeader(): Buffer | undefined {
    if (this.size < this.headerBytes) return undefined;
    if (this.chunks[0]!.length < this.headerBytes) this.join();
    return this.chunks[0]!.subarray(0, this.headerBytes);
  }

  /** The next whole frame, taken out of the reader. */
  takeFrame(): { header: Buffer; body: Buffer } | undefined {
    const header = this.peekHeader();
    if (!header) return undefined;
    const frame = this.takeBytes(this.headerBytes + header.readUInt32BE(0));
    return frame && { header: frame.subarray(0, this.headerBytes), body: frame.subarray(this.headerBytes) };
  }

  private join(): void {
    this.chunks = [Buffer.concat(this.chunks, this.size)];
  }
}
