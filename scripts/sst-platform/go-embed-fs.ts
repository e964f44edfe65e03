/**
 * Reads the files of a Go `embed.FS` out of an executable. The compiler stores them uncompressed,
 * with a table of entries, each 48 bytes: the name (pointer, length), the data (pointer, length)
 * and a 16-byte hash, reached through a slice header (pointer, length, capacity). See `file` and
 * `FS` in Go's src/embed/embed.go.
 */
import type { ElfFile } from "./elf-file.ts";

export class EmbedTableNotFoundError extends Error {
  override name = "EmbedTableNotFoundError";
}

const ENTRY_BYTES = 48;
const POINTER_BYTES = 8;
/** Longer than any path an embed directive produces; anything longer is not an entry. */
const MAX_NAME_BYTES = 1024;

type Entry = { name: string; data: Buffer };

/**
 * Every file (not directory) of the embed.FS whose table lists `knownName`, by name. Directories
 * are entries whose name ends with "/".
 */
export function readEmbedFs(elf: ElfFile, knownName: string): Map<string, Buffer> {
  const table = findTable(elf, knownName);
  if (table === undefined) {
    throw new EmbedTableNotFoundError(
      `No Go embed.FS table listing "${knownName}" was found in the executable.`,
    );
  }
  const files = new Map<string, Buffer>();
  for (const entry of table) if (!entry.name.endsWith("/")) files.set(entry.name, entry.data);
  return files;
}

function findTable(elf: ElfFile, knownName: string): Entry[] | undefined {
  const nameBytes = Buffer.from(knownName);
  for (const nameOffset of occurrences(elf.bytes, nameBytes)) {
    const nameAddress = elf.addressOf(nameOffset);
    if (nameAddress === undefined) continue;
    const reference = Buffer.alloc(2 * POINTER_BYTES);
    reference.writeBigUInt64LE(BigInt(nameAddress));
    reference.writeBigUInt64LE(BigInt(nameBytes.length), POINTER_BYTES);
    for (const entryOffset of occurrences(elf.bytes, reference, POINTER_BYTES)) {
      if (entryAt(elf, entryOffset) === undefined) continue;
      let start = entryOffset;
      while (entryAt(elf, start - ENTRY_BYTES) !== undefined) start -= ENTRY_BYTES;
      const count = sliceLength(elf, start, (entryOffset - start) / ENTRY_BYTES + 1);
      if (count === undefined) continue;
      const entries = Array.from({ length: count }, (_, i) =>
        entryAt(elf, start + i * ENTRY_BYTES),
      );
      if (entries.every((e) => e !== undefined)) return entries;
    }
  }
  return undefined;
}

/** The entry at a file offset, if the bytes there make one. */
function entryAt(elf: ElfFile, offset: number): Entry | undefined {
  if (offset < 0 || offset + ENTRY_BYTES > elf.bytes.length) return undefined;
  const namePointer = elf.u64(offset);
  const nameLength = elf.u64(offset + 8);
  const dataPointer = elf.u64(offset + 16);
  const dataLength = elf.u64(offset + 24);
  if (nameLength === 0 || nameLength > MAX_NAME_BYTES) return undefined;
  const nameAt = elf.offsetOf(namePointer, nameLength);
  if (nameAt === undefined) return undefined;
  const name = elf.bytes.toString("latin1", nameAt, nameAt + nameLength);
  if (!/^[\x21-\x7e]+$/.test(name)) return undefined;
  if (dataLength === 0) return { name, data: Buffer.alloc(0) };
  const dataAt = elf.offsetOf(dataPointer, dataLength);
  if (dataAt === undefined) return undefined;
  return { name, data: elf.bytes.subarray(dataAt, dataAt + dataLength) };
}

/**
 * The length in the slice header (pointer, length, capacity) pointing at the table that starts at
 * `tableOffset`, if there is one and it covers at least `atLeast` entries.
 */
function sliceLength(elf: ElfFile, tableOffset: number, atLeast: number): number | undefined {
  const tableAddress = elf.addressOf(tableOffset);
  if (tableAddress === undefined) return undefined;
  const pointer = Buffer.alloc(POINTER_BYTES);
  pointer.writeBigUInt64LE(BigInt(tableAddress));
  for (const at of occurrences(elf.bytes, pointer, POINTER_BYTES)) {
    if (at + 3 * POINTER_BYTES > elf.bytes.length) continue;
    const length = elf.u64(at + POINTER_BYTES);
    if (length >= atLeast && length === elf.u64(at + 2 * POINTER_BYTES)) return length;
  }
  return undefined;
}

/** Offsets of `needle` in `haystack`, only those that are multiples of `alignment`. */
function* occurrences(haystack: Buffer, needle: Buffer, alignment = 1): Generator<number> {
  for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, at + 1)) {
    if (at % alignment === 0) yield at;
  }
}
