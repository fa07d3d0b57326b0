// WebAssembly SIMD kernels of the fast engine (AssemblyScript; built by `npm run build:wasm`).
//
// Conventions: every pointer is a byte offset into the imported memory, every stride ("ld") and
// size is counted in f32 elements. Nothing here allocates or checks shapes: src/engine plans the
// memory, packs the weights and checks arguments before calling in.
//
// Packed weights ("panels"): a weight W of N rows x K columns (PyTorch's out x in) is stored as
// ceil(N/8) panels; panel p holds, for k = 0..K-1, the 8 values W[8p .. 8p+7][k] next to each
// other (zeros past row N). A panel is read front to back once per 4 rows of A, so the product
// streams the weights sequentially and keeps a panel in L1 while the rows of A go by.

const PANEL: i32 = 8;
const PANEL_BYTES: usize = 32;

// ---------------------------------------------------------------------------------------------
// C (M x 8*panels, row stride ldc) = start + A (M x K, row stride lda) . W^T
// start is C itself when accumulate, else the bias vector (8*panels values, zero padded).

export function gemm(
  C: usize, ldc: i32, A: usize, lda: i32, P: usize, M: i32, panels: i32, K: i32,
  bias: usize, accumulate: bool,
): void {
  const ldcBytes = <usize>ldc << 2;
  const ldaBytes = <usize>lda << 2;
  const panelStride = <usize>K * PANEL_BYTES;
  for (let p = 0; p < panels; p++) {
    const panel = P + <usize>p * panelStride;
    const b = bias + <usize>p * PANEL_BYTES;
    const col = <usize>p * PANEL_BYTES;
    let m = 0;
    for (; m + 4 <= M; m += 4) {
      block4x8(C + <usize>m * ldcBytes + col, ldcBytes, A + <usize>m * ldaBytes, ldaBytes, panel, K, b, accumulate);
    }
    if (m + 2 <= M) {
      block2x8(C + <usize>m * ldcBytes + col, ldcBytes, A + <usize>m * ldaBytes, ldaBytes, panel, K, b, accumulate);
      m += 2;
    }
    if (m < M) {
      block1x8(C + <usize>m * ldcBytes + col, A + <usize>m * ldaBytes, panel, K, b, accumulate);
    }
  }
}

// @ts-ignore: decorator (AssemblyScript inlines this)
@inline function madd(acc: v128, a: v128, w: v128): v128 {
  return f32x4.add(acc, f32x4.mul(a, w));
}

/** Four rows of A against one panel: 8 accumulators, every weight load used four times. */
function block4x8(
  C: usize, ldc: usize, A: usize, lda: usize, panel: usize, K: i32, bias: usize, accumulate: bool,
): void {
  let c00: v128, c01: v128, c10: v128, c11: v128, c20: v128, c21: v128, c30: v128, c31: v128;
  if (accumulate) {
    c00 = v128.load(C); c01 = v128.load(C, 16);
    c10 = v128.load(C + ldc); c11 = v128.load(C + ldc, 16);
    c20 = v128.load(C + 2 * ldc); c21 = v128.load(C + 2 * ldc, 16);
    c30 = v128.load(C + 3 * ldc); c31 = v128.load(C + 3 * ldc, 16);
  } else {
    c00 = v128.load(bias); c01 = v128.load(bias, 16);
    c10 = c00; c11 = c01; c20 = c00; c21 = c01; c30 = c00; c31 = c01;
  }
  let a0 = A, a1 = A + lda, a2 = A + 2 * lda, a3 = A + 3 * lda;
  let w = panel;
  for (let k = 0; k < K; k++) {
    const w0 = v128.load(w);
    const w1 = v128.load(w, 16);
    const x0 = v128.load32_splat(a0);
    c00 = madd(c00, x0, w0); c01 = madd(c01, x0, w1);
    const x1 = v128.load32_splat(a1);
    c10 = madd(c10, x1, w0); c11 = madd(c11, x1, w1);
    const x2 = v128.load32_splat(a2);
    c20 = madd(c20, x2, w0); c21 = madd(c21, x2, w1);
    const x3 = v128.load32_splat(a3);
    c30 = madd(c30, x3, w0); c31 = madd(c31, x3, w1);
    w += PANEL_BYTES; a0 += 4; a1 += 4; a2 += 4; a3 += 4;
  }
  v128.store(C, c00); v128.store(C, c01, 16);
  v128.store(C + ldc, c10); v128.store(C + ldc, c11, 16);
  v128.store(C + 2 * ldc, c20); v128.store(C + 2 * ldc, c21, 16);
  v128.store(C + 3 * ldc, c30); v128.store(C + 3 * ldc, c31, 16);
}

/** Two rows of A against one panel (batch tails of 2 and 3 rows read the panel once, not twice). */
function block2x8(
  C: usize, ldc: usize, A: usize, lda: usize, panel: usize, K: i32, bias: usize, accumulate: bool,
): void {
  let c00: v128, c01: v128, c10: v128, c11: v128;
  if (accumulate) {
    c00 = v128.load(C); c01 = v128.load(C, 16);
    c10 = v128.load(C + ldc); c11 = v128.load(C + ldc, 16);
  } else {
    c00 = v128.load(bias); c01 = v128.load(bias, 16);
    c10 = c00; c11 = c01;
  }
  let a0 = A, a1 = A + lda;
  let w = panel;
  for (let k = 0; k < K; k++) {
    const w0 = v128.load(w);
    const w1 = v128.load(w, 16);
    const x0 = v128.load32_splat(a0);
    c00 = madd(c00, x0, w0); c01 = madd(c01, x0, w1);
    const x1 = v128.load32_splat(a1);
    c10 = madd(c10, x1, w0); c11 = madd(c11, x1, w1);
    w += PANEL_BYTES; a0 += 4; a1 += 4;
  }
  v128.store(C, c00); v128.store(C, c01, 16);
  v128.store(C + ldc, c10); v128.store(C + ldc, c11, 16);
}

/**
 * One row of A against one panel (batch 1, the recurrence of a sequence, odd batch tails).
 * Two k per iteration into two accumulator pairs, so consecutive adds do not wait on each other;
 * more would not fit x64's 16 vector registers once V8 hoists the loads (it then spills the
 * accumulators to the stack, which is slower than the dependency it removes).
 */
function block1x8(C: usize, A: usize, panel: usize, K: i32, bias: usize, accumulate: bool): void {
  let s0: v128, s1: v128;
  if (accumulate) {
    s0 = v128.load(C); s1 = v128.load(C, 16);
  } else {
    s0 = v128.load(bias); s1 = v128.load(bias, 16);
  }
  let t0 = f32x4.splat(0), t1 = f32x4.splat(0);
  let a = A;
  let w = panel;
  let k = 0;
  for (; k + 2 <= K; k += 2) {
    const x0 = v128.load32_splat(a);
    s0 = madd(s0, x0, v128.load(w)); s1 = madd(s1, x0, v128.load(w, 16));
    const x1 = v128.load32_splat(a, 4);
    t0 = madd(t0, x1, v128.load(w, 32)); t1 = madd(t1, x1, v128.load(w, 48));
    a += 8; w += 2 * PANEL_BYTES;
  }
  if (k < K) {
    const x = v128.load32_splat(a);
    s0 = madd(s0, x, v128.load(w)); s1 = madd(s1, x, v128.load(w, 16));
  }
  v128.store(C, f32x4.add(s0, t0)); v128.store(C, f32x4.add(s1, t1), 16);
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
