"""A Python client of the Open Inference Protocol's gRPC service, generated at run time from the
OFFICIAL Triton protos with grpcio-tools (Debian: python3-grpcio, python3-grpc-tools), the way a
Triton user builds one. Runs one bundled case of co2-lstm as a sequence over ModelStreamInfer
(start, steps, end) and the same case stateless over ModelInfer, and prints what came back as
JSON for test/integration/oip-grpc-python.test.ts to compare with PyTorch's numbers.

usage: python3 oip_grpc_client.py HOST:PORT OIP_DIR_OR_PROTO CASES_JSON CASE_INDEX
"""
import atexit
import json
import os
import shutil
import struct
import sys
import tempfile

import grpc
from grpc_tools import protoc


def generated_modules(proto_source):
    """proto_source: the folder of the official protos (../shared/oip), or, in a clone without it,
    the project's own proto/inference.proto (wire compatible with them)."""
    out = tempfile.mkdtemp(prefix="rnn-serve-py-oip-")
    atexit.register(shutil.rmtree, out, True)
    if proto_source.endswith(".proto"):
        shutil.copy(proto_source, os.path.join(out, "grpc_service.proto"))
        protos = ["grpc_service.proto"]
    else:
        shutil.copy(os.path.join(proto_source, "triton_grpc_service.proto"), os.path.join(out, "grpc_service.proto"))
        shutil.copy(os.path.join(proto_source, "triton_model_config.proto"), os.path.join(out, "model_config.proto"))
        protos = ["grpc_service.proto", "model_config.proto"]
    code = protoc.main(["protoc", "-I" + out, "--python_out=" + out, "--grpc_python_out=" + out]
                       + [os.path.join(out, name) for name in protos])
    if code != 0:
        raise SystemExit("protoc failed")
    sys.path.insert(0, out)
    import grpc_service_pb2
    import grpc_service_pb2_grpc
    return grpc_service_pb2, grpc_service_pb2_grpc


def floats(raw):
    return list(struct.unpack("<%df" % (len(raw) // 4), raw))


def main():
    address, oip_dir, cases_path, index = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    pb, pb_grpc = generated_modules(oip_dir)
    case = json.load(open(cases_path))["cases"][index]
    inputs = [row[0] for row in case["inputs"]]
    stub = pb_grpc.GRPCInferenceServiceStub(grpc.insecure_channel(address))

    def request(values, parameters):
        message = pb.ModelInferRequest(model_name="co2-lstm")
        message.inputs.add(name="input", datatype="FP32", shape=[1, len(values), 1])
        message.raw_input_contents.append(struct.pack("<%df" % len(values), *values))
        for key, value in parameters.items():
            if isinstance(value, bool):
                message.parameters[key].bool_param = value
            else:
                message.parameters[key].uint64_param = value
        return message

    cut = [0, len(inputs) // 3, 2 * len(inputs) // 3, len(inputs)]
    flags = [{"sequence_start": True}, {}, {"sequence_end": True}]
    requests = [request(inputs[cut[k]:cut[k + 1]], dict(sequence_id=2**63 + 5, **flags[k])) for k in range(3)]
    stream_outputs, last = [], None
    for response in stub.ModelStreamInfer(iter(requests)):
        if response.error_message:
            raise SystemExit("stream error: " + response.error_message)
        names = [output.name for output in response.infer_response.outputs]
        values = dict(zip(names, map(floats, response.infer_response.raw_output_contents)))
        stream_outputs += values["output"]
        last = values
    unary = stub.ModelInfer(request(inputs, {}))
    unary_values = dict(zip([o.name for o in unary.outputs], map(floats, unary.raw_output_contents)))
    live = stub.ServerLive(pb.ServerLiveRequest()).live
    metadata = stub.ServerMetadata(pb.ServerMetadataRequest())
    print(json.dumps({
        "live": live,
        "extensions": list(metadata.extensions),
        "stream": {"output": stream_outputs, "state_h": last["state_h"], "state_c": last["state_c"]},
        "unary": {"output": unary_values["output"], "state_h": unary_values["state_h"], "state_c": unary_values["state_c"]},
    }))


if __name__ == "__main__":
    main()
