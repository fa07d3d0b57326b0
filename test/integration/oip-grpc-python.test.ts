// A Python client generated from the OFFICIAL Triton protos (grpcio, grpcio-tools: Debian's
// python3-grpcio and python3-grpc-tools) runs a co2-lstm case as a sequence over ModelStreamInfer
// and stateless over ModelInfer against this server, and gets PyTorch's numbers. Runs when
// ../shared exists and /usr/bin/python3 has grpc and grpc_tools (.ci/run installs them).
import assert from 'node:assert/strict';
import { servedModelsDir } from '../helpers/oip.js';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { assertClose, readCaseFile } from '../helpers/fixtures.js';
import { SHARED_OIP_DIR, grpcApp } from '../helpers/oip-grpc.js';
import { OWN_PROTO, hasOfficialProtos } from '../helpers/oip-protos.js';
import { PYTHON, missingTool, pythonHas } from '../helpers/system-tools.js';

const CLIENT = fileURLToPath(new URL('python/oip_grpc_client.py', import.meta.url));
const MODELS_DIR = servedModelsDir();

// .ci/run installs python3-grpcio and python3-grpc-tools (REQUIRE_SYSTEM_TOOLS=1): this runs in CI; elsewhere it says what is missing.
const skip = missingTool(`${PYTHON} with grpc and grpc_tools`, pythonHas(['grpc', 'grpc_tools']), 'apt-get install -y python3-grpcio python3-grpc-tools');
/** The official protos' folder when present, else the project's own proto file. */
const PROTO_SOURCE = hasOfficialProtos() ? SHARED_OIP_DIR : OWN_PROTO;

describe('a Python gRPC client of the official proto', { skip }, () => {
  it('runs a sequence over ModelStreamInfer and a stateless ModelInfer with PyTorch\'s results', async (t) => {
    const { address } = await grpcApp(t, { MODELS_DIR });
    const caseFile = readCaseFile(join(MODELS_DIR, 'co2-lstm'));
    const c = caseFile.cases[0]!;
    const { stdout } = await promisify(execFile)(PYTHON, [CLIENT, address, PROTO_SOURCE, join(MODELS_DIR, 'co2-lstm', 'cases.json'), '0'], { timeout: 60_000 });
    const result = JSON.parse(stdout) as { live: boolean; extensions: string[]; stream: Record<string, number[]>; unary: Record<string, number[]> };
    assert.equal(result.live, true);
    assert.ok(result.extensions.includes('sequence'));
    for (const how of ['stream', 'unary'] as const) {
      assertClose(result[how].output!, c.outputs.flat(), caseFile.tolerance, `${how} output`);
      assertClose(result[how].state_h!, c.final_state.h.flat(), caseFile.tolerance, `${how} h`);
      assertClose(result[how].state_c!, c.final_state.c!.flat(), caseFile.tolerance, `${how} c`);
    }
  });
});
