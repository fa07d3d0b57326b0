// WebAssembly SIMD kernels of the fast engine (AssemblyScript; built by `npm run build:wasm`).
//
// Conventions: every pointer is a byte offset into the imported memory, every stride ("ld") and
// size is counted in f32 elements. Nothing here allocates or checks shapes: src/engine plans the
// memory, packs the weights and checks arguments before calling in.
//
// Packed weights ("panels"): a weight W of N rows x K columns (PyTorch's out x in) is stored as
// ceil(N/16) panels; panel p holds, for k = 0..K-1, the 16 values W[16p .. 16p+15][k] next to
// each other (one 64-byte cache line; zeros past row N). A panel is read front to back once per
// 2 rows of A, so the product streams the weights sequentially through a single pointer and
// keeps a panel in L1 while the rows of A go by.

const PANEL_BYTES: usize = 64;

// ---------------------------------------------------------------------------------------------
// C (M x 16*panels, row stride ldc) = start + A (M x K, row stride lda) . W^T
// start is C itself when accumulate, else the bias vector (16*panels values, zero padded).
//
// Bitwise reproducibility: both blocks below compute each element of C with the same float32
// operations in the same order: c = start, then c = c + a[k] * w[k] for k = 0, 1, ..., K-1 (one
// accumulator per element, no split of the k range, no horizontal sum, no fused multiply-add).
// So an element does not depend on how many rows were multiplied together or which block its
// row fell into: a sequence gets the same bits alone or at any row of any batch, through
// runSequence or through stepBatch. Parallel sums come from independent columns and rows only.

export function gemm(
  C: usize, ldc: i32, A: usize, lda: i32, P: usize, M: i32, panels: i32, K: i32,
  bias: usize, accumulate: bool,
): void {
  const ldcBytes = <usize>ldc << 2;
  const ldaBytes = <usize>lda << 2;
  const panelStride = <usize>K * PANEL_BYTES;
  for (let p = 0; p < panels; p++) {
    const col = <usize>p * PANEL_BYTES;
    const panel = P + <usize>p * panelStride;
    const b = bias + col;
    let m = 0;
    for (; m + 2 <= M; m += 2) {
      block2x16(C + <usize>m * ldcBytes + col, ldcBytes, A + <usize>m * ldaBytes, ldaBytes, panel, K, b, accumulate);
    }
    if (m < M) {
      block1x16(C + <usize>m * ldcBytes + col, A + <usize>m * ldaBytes, panel, K, b, accumulate);
    }
  }
}

// @ts-ignore: decorator (AssemblyScript inlines this)
@inline function madd(acc: v128, a: v128, w: v128): v128 {
  return f32x4.add(acc, f32x4.mul(a, w));
}

/**
 * Two rows of A against one panel: 8 independent sums, every weight load used twice. (Measured
 * under V8 on x64: as fast as 4 rows x 8 columns, which loads as much per multiply-add; 3 rows
 * x 16 columns would need more than the 16 vector registers and spill.)
 */
function block2x16(
  C: usize, ldc: usize, A: usize, lda: usize, panel: usize, K: i32, bias: usize, accumulate: bool,
): void {
  const s0 = accumulate ? C : bias;
  const s1 = accumulate ? C + ldc : bias;
  let c00 = v128.load(s0), c01 = v128.load(s0, 16), c02 = v128.load(s0, 32), c03 = v128.load(s0, 48);
  let c10 = v128.load(s1), c11 = v128.load(s1, 16), c12 = v128.load(s1, 32), c13 = v128.load(s1, 48);
  let a0 = A, a1 = A + lda;
  let w = panel;
  for (let k = 0; k < K; k++) {
    const w0 = v128.load(w), w1 = v128.load(w, 16), w2 = v128.load(w, 32), w3 = v128.load(w, 48);
    const x0 = v128.load32_splat(a0);
    c00 = madd(c00, x0, w0); c01 = madd(c01, x0, w1); c02 = madd(c02, x0, w2); c03 = madd(c03, x0, w3);
    const x1 = v128.load32_splat(a1);
    c10 = madd(c10, x1, w0); c11 = madd(c11, x1, w1); c12 = madd(c12, x1, w2); c13 = madd(c13, x1, w3);
    w += PANEL_BYTES; a0 += 4; a1 += 4;
  }
  v128.store(C, c00); v128.store(C, c01, 16); v128.store(C, c02, 32); v128.store(C, c03, 48);
  v128.store(C + ldc, c10); v128.store(C + ldc, c11, 16); v128.store(C + ldc, c12, 32); v128.store(C + ldc, c13, 48);
}

/**
 * One row of A against one panel: batch 1, odd batch tails and the recurrence of a sequence.
 * Four independent sums; the loop body does two k one after the other (fewer branches, the same
 * order of adds). Measured under V8 on x64: eight sums over 32 columns ran at about half the
 * speed, and splitting k into two sums would break the bitwise agreement above.
 */
function block1x16(C: usize, A: usize, panel: usize, K: i32, bias: usize, accumulate: bool): void {
  const s = accumulate ? C : bias;
  let c0 = v128.load(s), c1 = v128.load(s, 16), c2 = v128.load(s, 32), c3 = v128.load(s, 48);
  let a = A;
  let w = panel;
  let k = 0;
  for (; k + 2 <= K; k += 2) {
    const x0 = v128.load32_splat(a);
    c0 = madd(c0, x0, v128.load(w)); c1 = madd(c1, x0, v128.load(w, 16));
    c2 = madd(c2, x0, v128.load(w, 32)); c3 = madd(c3, x0, v128.load(w, 48));
    const x1 = v128.load32_splat(a, 4);
    c0 = madd(c0, x1, v128.load(w, 64)); c1 = madd(c1, x1, v128.load(w, 80));
    c2 = madd(c2, x1, v128.load(w, 96)); c3 = madd(c3, x1, v128.load(w, 112));
    a += 8; w += 2 * PANEL_BYTES;
  }
  if (k < K) {
    const x = v128.load32_splat(a);
    c0 = madd(c0, x, v128.load(w)); c1 = madd(c1, x, v128.load(w, 16));
    c2 = madd(c2, x, v128.load(w, 32)); c3 = madd(c3, x, v128.load(w, 48));
  }
  v128.store(C, c0); v128.store(C, c1, 16); v128.store(C, c2, 32); v128.store(C, c3, 48);
}

/**
 * End of the module's static data (none today). src/engine/kernels.ts checks it at
 * instantiation, since the engine lays out its buffers from a fixed offset near the bottom.
 */
export function staticDataEnd(): usize {
  return __heap_base;
}

// ---------------------------------------------------------------------------------------------
// Activations, four lanes at a time. Only single-instruction SIMD operations: pmin/pmax (wasm's
// min/max cost V8 a sequence for their NaN and -0 rules), no floor/trunc, no loops (the compiler
// does not unroll them), few constants (V8 rebuilds each one in the loop body).

/**
 * tanh as Eigen computes it in float (generic_fast_tanh_float): clamp to +-7.9053 (where tanh
 * rounds to 1), then an odd degree-13 over even degree-6 rational function: max error 3.6e-7
 * (measured over [-20, 20]), relative accuracy kept near 0 where an exp-based form would cancel.
 */
// @ts-ignore: decorator (AssemblyScript inlines this)
@inline function tanh4(v: v128): v128 {
  const x = f32x4.pmax(f32x4.pmin(v, f32x4.splat(7.90531110763549805)), f32x4.splat(-7.90531110763549805));
  const x2 = f32x4.mul(x, x);
  let p = f32x4.splat(-2.76076847742355e-16);
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(2.00018790482477e-13));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(-8.60467152213735e-11));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(5.12229709037114e-8));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(1.48572235717979e-5));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(6.37261928875436e-4));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(4.89352455891786e-3));
  let q = f32x4.splat(1.19825839466702e-6);
  q = f32x4.add(f32x4.mul(q, x2), f32x4.splat(1.18534705686654e-4));
  q = f32x4.add(f32x4.mul(q, x2), f32x4.splat(2.26843463243900e-3));
  q = f32x4.add(f32x4.mul(q, x2), f32x4.splat(4.89352518554385e-3));
  return f32x4.div(f32x4.mul(p, x), q);
}

/** sigma(x) = (1 + tanh(x/2)) / 2: bounded, no exp to overflow; absolute error below 2e-7. */
// @ts-ignore: decorator (AssemblyScript inlines this)
@inline function sigmoid4(x: v128): v128 {
  const half = f32x4.splat(0.5);
  return f32x4.add(f32x4.mul(tanh4(f32x4.mul(x, half)), half), half);
}

/** Stores the first n (1..3) lanes of v: the tail of a row whose length is not a multiple of 4. */
// @ts-ignore: decorator (AssemblyScript inlines this)
@inline function storeFirstLanes(ptr: usize, v: v128, n: i32): void {
  store<f32>(ptr, f32x4.extract_lane(v, 0));
  if (n > 1) store<f32>(ptr, f32x4.extract_lane(v, 1), 4);
  if (n > 2) store<f32>(ptr, f32x4.extract_lane(v, 2), 8);
}

// @ts-ignore: decorator (AssemblyScript inlines this)
@inline function storeLanes(ptr: usize, v: v128, n: i32): void {
  if (n >= 4) v128.store(ptr, v);
  else storeFirstLanes(ptr, v, n);
}

// ---------------------------------------------------------------------------------------------
// Cells: B rows of gate pre-activations (row stride ldg, gate block g at column g*H) in, new
// states out. Lanes past H are computed from whatever follows in memory and never stored, so
// every buffer these read is followed by 16 bytes of slack (see src/engine/memory-plan.ts).

/** Elman: h = tanh(gates) or relu(gates). */
export function rnnCell(G: usize, ldg: i32, B: i32, H: i32, h: usize, ldh: i32, relu: bool): void {
  for (let b = 0; b < B; b++) {
    const g = G + (<usize>(b * ldg) << 2);
    const hRow = h + (<usize>(b * ldh) << 2);
    for (let j = 0; j < H; j += 4) {
      const off = <usize>j << 2;
      const x = v128.load(g + off);
      storeLanes(hRow + off, relu ? f32x4.pmax(x, f32x4.splat(0)) : tanh4(x), H - j);
    }
  }
}

/** LSTM, gates i f g o: c = f*c + i*g (c updated in place), h = o*tanh(c). */
export function lstmCell(G: usize, ldg: i32, B: i32, H: i32, h: usize, ldh: i32, c: usize, ldc: i32): void {
  const block = <usize>H << 2;
  for (let b = 0; b < B; b++) {
    const g = G + (<usize>(b * ldg) << 2);
    const hRow = h + (<usize>(b * ldh) << 2);
    const cRow = c + (<usize>(b * ldc) << 2);
    for (let j = 0; j < H; j += 4) {
      const off = <usize>j << 2;
      const i = sigmoid4(v128.load(g + off));
      const f = sigmoid4(v128.load(g + block + off));
      const gg = tanh4(v128.load(g + 2 * block + off));
      const o = sigmoid4(v128.load(g + 3 * block + off));
      const cNew = f32x4.add(f32x4.mul(f, v128.load(cRow + off)), f32x4.mul(i, gg));
      storeLanes(cRow + off, cNew, H - j);
      storeLanes(hRow + off, f32x4.mul(o, tanh4(cNew)), H - j);
    }
  }
}

/**
 * GRU, gates r z n. GX = x.W_ih^T + (b_ir+b_hr, b_iz+b_hz, b_in), GH = h.W_hh^T + (0, 0, b_hn):
 * r = s(GX_r + GH_r), z = s(GX_z + GH_z), n = tanh(GX_n + r*GH_n), h' = n + z*(h - n).
 * hPrev and hOut may be the same rows (each lane is read before it is written).
 */
export function gruCell(
  GX: usize, GH: usize, ldg: i32, B: i32, H: i32, hPrev: usize, ldp: i32, hOut: usize, ldh: i32,
): void {
  const block = <usize>H << 2;
  for (let b = 0; b < B; b++) {
    const gx = GX + (<usize>(b * ldg) << 2);
    const gh = GH + (<usize>(b * ldg) << 2);
    const pRow = hPrev + (<usize>(b * ldp) << 2);
    const hRow = hOut + (<usize>(b * ldh) << 2);
    for (let j = 0; j < H; j += 4) {
      const off = <usize>j << 2;
      const r = sigmoid4(f32x4.add(v128.load(gx + off), v128.load(gh + off)));
      const z = sigmoid4(f32x4.add(v128.load(gx + block + off), v128.load(gh + block + off)));
      const n = tanh4(f32x4.add(v128.load(gx + 2 * block + off), f32x4.mul(r, v128.load(gh + 2 * block + off))));
      const hNew = f32x4.add(n, f32x4.mul(z, f32x4.sub(v128.load(pRow + off), n)));
      storeLanes(hRow + off, hNew, H - j);
    }
  }
}

/**
 * GRU with the reset gate before the recurrent product (ONNX linear_before_reset=0, Keras
 * reset_after=False), first half. GX = x.W_ih^T + (b_ir+b_hr, b_iz+b_hz, b_in+b_hn), GH =
 * h.W_h{r,z}^T (the r and z blocks only): writes RH = s(GX_r + GH_r) * h, the rows that the n
 * block's product W_hn reads next.
 */
export function gruResetHidden(
  GX: usize, GH: usize, ldg: i32, B: i32, H: i32, hPrev: usize, ldp: i32, RH: usize, ldr: i32,
): void {
  for (let b = 0; b < B; b++) {
    const gx = GX + (<usize>(b * ldg) << 2);
    const gh = GH + (<usize>(b * ldg) << 2);
    const pRow = hPrev + (<usize>(b * ldp) << 2);
    const rRow = RH + (<usize>(b * ldr) << 2);
    for (let j = 0; j < H; j += 4) {
      const off = <usize>j << 2;
      const r = sigmoid4(f32x4.add(v128.load(gx + off), v128.load(gh + off)));
      storeLanes(rRow + off, f32x4.mul(r, v128.load(pRow + off)), H - j);
    }
  }
}

/**
 * Second half: GN = RH.W_hn^T. z = s(GX_z + GH_z), n = tanh(GX_n + GN), h' = n + z*(h - n).
 * hPrev and hOut may be the same rows (each lane is read before it is written).
 */
export function gruResetBeforeCell(
  GX: usize, GH: usize, ldg: i32, GN: usize, ldn: i32, B: i32, H: i32, hPrev: usize, ldp: i32, hOut: usize, ldh: i32,
): void {
  const block = <usize>H << 2;
  for (let b = 0; b < B; b++) {
    const gx = GX + (<usize>(b * ldg) << 2);
    const gh = GH + (<usize>(b * ldg) << 2);
    const gn = GN + (<usize>(b * ldn) << 2);
    const pRow = hPrev + (<usize>(b * ldp) << 2);
    const hRow = hOut + (<usize>(b * ldh) << 2);
    for (let j = 0; j < H; j += 4) {
      const off = <usize>j << 2;
      const z = sigmoid4(f32x4.add(v128.load(gx + block + off), v128.load(gh + block + off)));
      const n = tanh4(f32x4.add(v128.load(gx + 2 * block + off), v128.load(gn + off)));
      const hNew = f32x4.add(n, f32x4.mul(z, f32x4.sub(v128.load(pRow + off), n)));
      storeLanes(hRow + off, hNew, H - j);
    }
  }
}
