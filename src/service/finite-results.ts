// The one guard against overflow: finite inputs and states can still overflow float32 inside the
// network (inputs near 3.4e38 through W_ih, a huge state through the head), and a NaN must never
// be answered or written into a session, where it would poison every later step. The service
// runs every engine result through here before it answers or writes anything (src/service/
// inference-service.ts); on the first non-finite value it refuses with NON_FINITE_RESULT,
// naming the value. A plain loop over the outputs and the state: no allocation on the hot path.
import { NonFiniteResultError } from '../errors.js';
import type { ServedModel } from './served-model.js';

/**
 * Throws NON_FINITE_RESULT when any of the `steps` output rows or the state holds NaN or an
 * infinity. `where` prefixes the names in the message (e.g. "sequences[2].").
 */
export function assertFiniteResult(model: ServedModel, outputs: Float32Array, steps: number, state: Float32Array, where = ''): void {
  const outputCount = steps * model.outputSize;
  for (let k = 0; k < outputCount; k++) {
    // v - v is 0 for every finite v, NaN for NaN and the infinities: one test for both.
    if (outputs[k]! - outputs[k]! !== 0) throw overflowed(model, `${where}${outputName(model, k)}`, outputs[k]!);
  }
  for (let k = 0; k < state.length; k++) {
    if (state[k]! - state[k]! !== 0) throw overflowed(model, `${where}${stateName(model, k)}`, state[k]!);
  }
}

function overflowed(model: ServedModel, name: string, value: number): Error {
  return new NonFiniteResultError(
    `the computation overflowed float32: ${name} is ${value} (model '${model.name}'); the inputs or the state are ` +
      'too large for this network, so nothing was answered and nothing was changed',
  );
}

function outputName(model: ServedModel, k: number): string {
  const O = model.outputSize;
  return `outputs[${Math.floor(k / O)}][${k % O}]`;
}

/** The flat state's index k as the client sees it: state.h[l][j] or state.c[l][j]. */
function stateName(model: ServedModel, k: number): string {
  const { numLayers: L, hiddenSize: H } = model.stateLayout;
  const part = k < L * H ? 'h' : 'c';
  const within = k % (L * H);
  return `state.${part}[${Math.floor(within / H)}][${within % H}]`;
}
