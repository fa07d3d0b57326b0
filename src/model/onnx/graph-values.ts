// What the graph walk knows about each tensor of an ONNX graph. Nothing is executed: a value is
// described by what it means (the sequence flowing through the network, its ids, a state, a
// constant, a shape computed from the sequence) and by its axes, each axis a list of named
// factors (time T, batch B, the features of a stage, directions D, hidden H), so a Transpose,
// Reshape or Squeeze is followed exactly and anything that would mix time, batch and features
// is recognised as such and refused.

import type { ConstTensor } from './onnx-tensor.js';

/** One factor of an axis: T, B, a feature block, or a placeholder for a graph input's axis not yet known. */
export interface Factor {
  readonly id: string;
  /** Known size (features, directions, hidden); undefined for time, batch and unknown input axes. */
  readonly size?: number;
}

/** An axis is the product of its factors, outermost first; [] is an axis of size 1. */
export type Axis = readonly Factor[];
export type Dims = readonly Axis[];

/** One element of a shape vector computed in the graph: a literal or the size of an axis. */
export type ShapeElement = { readonly literal: number } | { readonly factors: Axis };

export type GraphValue =
  | { readonly kind: 'const'; readonly tensor: ConstTensor }
  /** A float graph input not yet seen as the sequence or as a state. */
  | { readonly kind: 'input'; readonly name: string; readonly dims: Dims }
  /** The sequence at pipeline stage `stage` (see Stage). */
  | { readonly kind: 'seq'; readonly stage: number; readonly dims: Dims }
  /** Token ids (an integer graph input). */
  | { readonly kind: 'ids'; readonly name: string; readonly dims: Dims }
  | { readonly kind: 'shape'; readonly elements: readonly ShapeElement[]; readonly scalar: boolean }
  /** An initial state: rows [start, end) of a graph input, or zeros (ConstantOfShape). */
  | { readonly kind: 'state'; readonly input?: string; readonly start: number; readonly end?: number }
  /** A value the server computes itself (final states) or ignores; it may only reach a graph output. */
  | { readonly kind: 'aux'; readonly what: string };

/** Where a placeholder factor was bound (T, B, or a sized feature factor). */
export class Bindings {
  private readonly map = new Map<string, Factor>();

  resolve(factor: Factor): Factor {
    let current = factor;
    for (let hops = 0; hops < 8; hops++) {
      const next = this.map.get(current.id);
      if (next === undefined) return current;
      current = next;
    }
    return current;
  }

  bind(placeholder: Factor, to: Factor): void {
    if (placeholder.id !== to.id) this.map.set(placeholder.id, to);
  }

  /** The factors of an axis that matter for layout: resolved, size-1 ones dropped. */
  significant(axis: Axis): Factor[] {
    return axis.map((f) => this.resolve(f)).filter((f) => f.size !== 1);
  }

  sameAxis(a: Axis, b: Axis): boolean {
    const x = this.significant(a);
    const y = this.significant(b);
    return x.length === y.length && x.every((f, k) => f.id === y[k]!.id);
  }

  /** Product of the known sizes, or undefined when a factor's size is unknown. */
  size(axis: Axis): number | undefined {
    let product = 1;
    for (const factor of this.significant(axis)) {
      if (factor.size === undefined) return undefined;
      product *= factor.size;
    }
    return product;
  }

  describe(axis: Axis): string {
    const parts = this.significant(axis).map((f) => (f.size === undefined ? f.id : `${f.id}(${f.size})`));
    return parts.length === 0 ? '1' : parts.join('*');
  }

  describeDims(dims: Dims): string {
    return `[${dims.map((axis) => this.describe(axis)).join(', ')}]`;
  }
}

export const TIME: Factor = { id: 'time' };
export const BATCH: Factor = { id: 'batch' };
