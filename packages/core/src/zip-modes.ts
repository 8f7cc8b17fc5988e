/**
 * The Unix permission bits a zip archive records for its entries (in its central directory, when
 * the archive was made on Unix), by entry name. fflate's unzip does not read them; a custom
 * runtime's bootstrap and a function's binaries need their execute bit.
 */
const endOfDirectory = 0x06054b50;
const directoryEntry = 0x02014b50;
const madeOnUnix = 3;

export function zipUnixModes(zip: Uint8Array): Map<string, number> {
  const modes = new Map<string, number>();
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  // The end record is in the last 64 KiB + 22 bytes (its comment is at most 65535 bytes).
  let end = -1;
  for (let at = zip.length - 22; at >= Math.max(0, zip.length - 22 - 0xffff); at--) {
    if (view.getUint32(at, true) === endOfDirectory) {
      end = at;
      break;
    }
  }
  if (end < 0) return modes;
  const entries = view.getUint16(end + 10, true);
  let at = view.getUint32(end + 16, true);
  const decoder = new TextDecoder();
  for (let i = 0; i < entries && at + 46 <= zip.length; i++) {
    if (view.getUint32(at, true) !== directoryEntry) break;
    const madeBy = view.getUint8(at + 5);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    const external = view.getUint32(at + 38, true);
    const name = decoder.decode(zip.subarray(at + 46, at + 46 + nameLength));
    if (madeBy === madeOnUnix && external >>> 16 !== 0) modes.set(name, (external >>> 16) & 0o7777);
    at += 46 + nameLength + extraLength + commentLength;
  }
  return modes;
}
