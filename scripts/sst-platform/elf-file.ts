/**
 * Just enough of an ELF reader to find data in a 64-bit little-endian x86-64 executable: its
 * section headers, and the bytes at a virtual address. Offsets are from the ELF-64 spec.
 */

export class ElfFormatError extends Error {
  override name = "ElfFormatError";
}

export type ElfSection = {
  name: string;
  /** The virtual address the section is loaded at (0 if it is not loaded). */
  address: number;
  offset: number;
  size: number;
};

const SHT_NOBITS = 8; // .bss: takes memory, not file bytes
const EM_X86_64 = 62;

export class ElfFile {
  readonly sections: ElfSection[];

  constructor(readonly bytes: Buffer) {
    if (bytes.length < 64 || bytes.readUInt32BE(0) !== 0x7f454c46) {
      throw new ElfFormatError("not an ELF file");
    }
    if (bytes[4] !== 2 || bytes[5] !== 1 || bytes.readUInt16LE(0x12) !== EM_X86_64) {
      throw new ElfFormatError("not a 64-bit little-endian x86-64 ELF file");
    }
    const tableOffset = this.u64(0x28);
    const entrySize = bytes.readUInt16LE(0x3a);
    const count = bytes.readUInt16LE(0x3c);
    const namesIndex = bytes.readUInt16LE(0x3e);
    const headers = Array.from({ length: count }, (_, i) => {
      const at = tableOffset + i * entrySize;
      return {
        nameOffset: bytes.readUInt32LE(at),
        type: bytes.readUInt32LE(at + 4),
        address: this.u64(at + 0x10),
        offset: this.u64(at + 0x18),
        size: this.u64(at + 0x20),
      };
    });
    const names = headers[namesIndex];
    if (names === undefined) throw new ElfFormatError("no section name table");
    this.sections = headers
      .filter((h) => h.type !== SHT_NOBITS)
      .map((h) => {
        const start = names.offset + h.nameOffset;
        const name = bytes.toString("latin1", start, bytes.indexOf(0, start));
        return { name, address: h.address, offset: h.offset, size: h.size };
      });
  }

  /** An unsigned 64-bit little-endian number at a file offset; addresses here fit in 53 bits. */
  u64(offset: number): number {
    return Number(this.bytes.readBigUInt64LE(offset));
  }

  /** The loaded section holding `length` bytes at virtual `address`, if any. */
  sectionAt(address: number, length = 1): ElfSection | undefined {
    return this.sections.find(
      (s) => s.address !== 0 && address >= s.address && address + length <= s.address + s.size,
    );
  }

  /** The file offset of a virtual address, if a loaded section holds it. */
  offsetOf(address: number, length = 1): number | undefined {
    const section = this.sectionAt(address, length);
    return section && section.offset + (address - section.address);
  }

  /** The virtual address of a file offset, if it lies in a loaded section. */
  addressOf(offset: number): number | undefined {
    const section = this.sections.find(
      (s) => s.address !== 0 && offset >= s.offset && offset < s.offset + s.size,
    );
    return section && section.address + (offset - section.offset);
  }
}
