// The OFFICIAL Open Inference Protocol protos of ../shared/oip as a compiler needs them: Triton's
// grpc_service.proto imports "model_config.proto", so both are copied under those names.
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SHARED_OIP_DIR } from './oip.js';

let tritonProto: string | undefined;

/** Triton's grpc_service.proto, under the file names its import expects (copied to a temp folder). */
export function officialTritonProto(): string {
  if (tritonProto === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'rnn-serve-oip-proto-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    copyFileSync(join(SHARED_OIP_DIR, 'triton_grpc_service.proto'), join(dir, 'grpc_service.proto'));
    copyFileSync(join(SHARED_OIP_DIR, 'triton_model_config.proto'), join(dir, 'model_config.proto'));
    tritonProto = join(dir, 'grpc_service.proto');
  }
  return tritonProto;
}
