// Whether a run of float32 values is all finite, checked natively in one vectorized pass. The
// step batcher asks it once per engine call for the whole batch's outputs and states, so the
// service's per-session guard against overflow (src/service/finite-results.ts) has nothing left
// to check in the usual case; a batch with any NaN or infinity, or a process without the addon,
// leaves every session to the guard, which names the value.
import { loadNativeAddon } from './native-addon.js';

const load = loadNativeAddon();

/** values[0..count) holds no NaN and no infinity; undefined without the native addon. */
export const allFiniteNatively: ((values: Float32Array, count: number) => boolean) | undefined =
  'addon' in load && typeof load.addon.allFinite === 'function' ? load.addon.allFinite.bind(load.addon) : undefined;
