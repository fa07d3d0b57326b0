// The plumbing operators on described axes (graph-values.ts): Transpose, Squeeze, Unsqueeze and
// Reshape, followed exactly. Reshape is accepted when it only merges or splits neighbouring
// factors (what flattening [T, B, D, H] to [T, B, D*H] is); anything else would reorder data
// and is refused with the shapes involved.

import type { Axis, Bindings, Dims, Factor, ShapeElement } from './graph-values.js';

export type Fail = (message: string) => never;

export function normalizeAxis(axis: number, rank: number, fail: Fail): number {
  const k = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(k) || k < 0 || k >= rank) fail(`axis ${axis} is outside a tensor of rank ${rank}`);
  return k;
}

export function transpose(dims: Dims, perm: readonly number[] | undefined, fail: Fail): Dims {
  const order = perm ?? dims.map((_, k) => dims.length - 1 - k);
  const seen = new Set(order);
  if (order.length !== dims.length || seen.size !== order.length || order.some((k) => !(k >= 0 && k < dims.length))) {
    fail(`perm [${order.join(', ')}] is not a permutation of the ${dims.length} axes`);
  }
  return order.map((k) => dims[k]!);
}

export function squeeze(dims: Dims, axes: readonly number[] | undefined, bindings: Bindings, fail: Fail): Dims {
  if (axes === undefined) {
    const unknown = dims.find((axis) => bindings.size(axis) === undefined);
    if (unknown !== undefined) {
      fail(`squeezes without axes a tensor ${bindings.describeDims(dims)} whose time or batch size is only known at run time`);
    }
    return dims.filter((axis) => bindings.size(axis) !== 1);
  }
  const drop = new Set(axes.map((a) => normalizeAxis(a, dims.length, fail)));
  for (const k of drop) {
    if (bindings.size(dims[k]!) !== 1) fail(`squeezes axis ${k} of ${bindings.describeDims(dims)}, which is not of size 1`);
  }
  return dims.filter((_, k) => !drop.has(k));
}

export function unsqueeze(dims: Dims, axes: readonly number[], fail: Fail): Dims {
  const rank = dims.length + axes.length;
  const inserted = new Set(axes.map((a) => normalizeAxis(a, rank, fail)));
  if (inserted.size !== axes.length) fail(`axes [${axes.join(', ')}] repeat an axis`);
  const out: Axis[] = [];
  let next = 0;
  for (let k = 0; k < rank; k++) out.push(inserted.has(k) ? [] : dims[next++]!);
  return out;
}

/** One target axis of a Reshape before matching: copied, known factors, a literal size or the inferred one. */
type Target = { readonly factors: Axis } | { readonly literal: number } | { readonly infer: true };

/**
 * Reshape `dims` to `shape` (ONNX semantics: 0 copies the input axis unless allowzero, -1 is
 * inferred). Succeeds only when the target axes, in order, take the input's factors in order.
 */
export function reshape(dims: Dims, shape: readonly ShapeElement[], allowZero: boolean, bindings: Bindings, fail: Fail): Dims {
  const targets: Target[] = shape.map((element, k): Target => {
    if ('factors' in element) return { factors: element.factors };
    const n = element.literal;
    if (n === 0 && !allowZero) {
      if (k >= dims.length) fail(`shape entry ${k} is 0 (copy), but the input has rank ${dims.length}`);
      return { factors: dims[k]! };
    }
    if (n === -1) return { infer: true };
    if (!Number.isInteger(n) || n < 0) fail(`shape entry ${k} is ${n}`);
    return { literal: n };
  });
  if (targets.filter((t) => 'infer' in t).length > 1) fail('shape has more than one -1');
  const flat = dims.flatMap((axis) => bindings.significant(axis));
  const describeIn = bindings.describeDims(dims);
  const describeShape = `[${shape.map((e) => ('factors' in e ? bindings.describe(e.factors) : String(e.literal))).join(', ')}]`;
  const refuse = (why: string): never => fail(`cannot reshape ${describeIn} to ${describeShape}: ${why}`);

  /** Takes the factors of one target from flat[at..] (forward) or flat[..at) (backward); returns [axis, new at]. */
  const take = (target: Target, at: number, forward: boolean): [Axis, number] => {
    if ('factors' in target) {
      const wanted = bindings.significant(target.factors);
      const start = forward ? at : at - wanted.length;
      const slice = flat.slice(start, start + wanted.length);
      if (start < 0 || slice.length !== wanted.length || slice.some((f, k) => f.id !== wanted[k]!.id)) {
        refuse(`axis ${bindings.describe(target.factors)} is not where the input has it`);
      }
      return [target.factors, forward ? at + wanted.length : start];
    }
    const n = (target as { literal: number }).literal;
    const taken: Factor[] = [];
    let product = 1;
    let k = at;
    while (product < n) {
      const factor = forward ? flat[k] : flat[k - 1];
      if (factor === undefined) refuse(`size ${n} is larger than what is left`);
      const size = factor.size;
      if (size === undefined) return refuse(`size ${n} would take the ${factor.id} axis, whose size is only known at run time (export with dynamic axes: 0 or -1)`);
      product *= size;
      if (forward) {
        taken.push(factor);
        k++;
      } else {
        taken.unshift(factor);
        k--;
      }
    }
    if (product !== n) refuse(`size ${n} splits a ${taken.map((f) => f.id).join('*')} block`);
    return [taken, k];
  };

  const inferAt = targets.findIndex((t) => 'infer' in t);
  const head = inferAt === -1 ? targets : targets.slice(0, inferAt);
  const tail = inferAt === -1 ? [] : targets.slice(inferAt + 1);
  const out: Axis[] = [];
  let front = 0;
  for (const target of head) {
    const [axis, next] = take(target, front, true);
    out.push(axis);
    front = next;
  }
  let back = flat.length;
  const tailAxes: Axis[] = [];
  for (let k = tail.length - 1; k >= 0; k--) {
    const [axis, next] = take(tail[k]!, back, false);
    tailAxes.unshift(axis);
    back = next;
  }
  if (back < front) refuse('the axes overlap');
  if (inferAt === -1) {
    if (front !== flat.length) refuse(`${flat.slice(front).map((f) => f.id).join('*')} is left over`);
    return out;
  }
  out.push(flat.slice(front, back));
  return out.concat(tailAxes);
}
