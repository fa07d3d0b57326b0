// Lays out the regions of one network's wasm memory before it exists, so the memory is created
// once at its final size and never grows (growing would detach every Float32Array view of it).

/** Bytes after every region: SIMD cells read whole 4-lane vectors past a row's last element. */
const SLACK_BYTES = 16;
/** Cache-line alignment: a weight panel's 16 values for one k then fill exactly one line. */
const ALIGN_BYTES = 64;
const PAGE_BYTES = 65536;
/** wasm32 addresses 4 GiB at most. */
const MAX_PAGES = 65536;

export class MemoryPlan {
  private end: number;

  /** Regions start at `reservedBytes` (the bottom of memory belongs to the kernels' static data). */
  constructor(reservedBytes: number) {
    this.end = alignUp(Math.max(reservedBytes, ALIGN_BYTES), ALIGN_BYTES);
  }

  /** Reserves room for `floats` f32 values; returns the region's byte offset (64-byte aligned). */
  reserve(floats: number): number {
    const start = this.end;
    this.end = alignUp(start + floats * 4 + SLACK_BYTES, ALIGN_BYTES);
    return start;
  }

  /** Pages of 64 KiB needed for everything reserved so far; throws if wasm32 cannot hold it. */
  pages(): number {
    const pages = Math.ceil(this.end / PAGE_BYTES);
    if (pages > MAX_PAGES) {
      throw new Error(`network needs ${this.end} bytes of engine memory, more than the 4 GiB a wasm32 memory holds`);
    }
    return pages;
  }
}

function alignUp(value: number, alignment: number): number {
  return Math.ceil(value / alignment) * alignment;
}
