// The protos test clients are generated from. The OFFICIAL Open Inference Protocol protos of
// ../shared/oip when that folder is there (Triton's grpc_service.proto imports
// "model_config.proto", so both are copied under those names); in a clone alone, the project's
// own proto/inference.proto, which grpc-proto-compat checks field by field against the official
// files wherever they exist. Either way the client tests run: a clone without ../shared skips none.
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SHARED_OIP_DIR } from './oip.js';

/** The project's own gRPC contract. */
export const OWN_PROTO = fileURLToPath(new URL('../../proto/inference.proto', import.meta.url));

/** Whether ../shared/oip (or SHARED_OIP_DIR) holds the official protos. */
export const hasOfficialProtos = (): boolean => existsSync(join(SHARED_OIP_DIR, 'triton_grpc_service.proto'));

/** The proto a client is generated from: Triton's official one when present, else the project's own. */
export function clientProto(): string {
  return hasOfficialProtos() ? officialTritonProto() : OWN_PROTO;
}

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
