// A NaN or infinite weight makes every answer NaN, so such a package must fail to load, not
// serve. Weights read by name from safetensors or npz are checked as they are taken
// (tensor-picker.ts, naming the file's tensor); this checks a whole NetworkWeights, for the
// loaders that assemble weights from something else (an ONNX graph), naming each weight as
// PyTorch would.
import type { LayerWeights, NetworkWeights } from '../engine/types.js';
import { ModelPackageError } from './errors.js';

export function checkFiniteWeights(weights: NetworkWeights, file: string): void {
  const layer = (layers: readonly LayerWeights[] | undefined, suffix: string): void =>
    layers?.forEach((w, k) => {
      check(w.weightIh, `weight_ih_l${k}${suffix}`, file);
      check(w.weightHh, `weight_hh_l${k}${suffix}`, file);
      check(w.biasIh, `bias_ih_l${k}${suffix}`, file);
      check(w.biasHh, `bias_hh_l${k}${suffix}`, file);
    });
  layer(weights.layers, '');
  layer(weights.reverseLayers, '_reverse');
  if (weights.head !== undefined) {
    check(weights.head.weight, 'head weight', file);
    check(weights.head.bias, 'head bias', file);
  }
  if (weights.embedding !== undefined) check(weights.embedding, 'embedding weight', file);
}

function check(values: Float32Array, name: string, file: string): void {
  for (let k = 0; k < values.length; k++) {
    if (!Number.isFinite(values[k])) {
      throw new ModelPackageError(
        `${file}: weight ${name} has a non-finite value ${values[k]} at flat index ${k}; ` +
          'a model with NaN or infinite weights cannot compute anything',
      );
    }
  }
}
