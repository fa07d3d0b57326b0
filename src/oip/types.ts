// One inference request and response of the Open Inference Protocol, as both transports hand
// them over: REST (JSON + binary tensor extension) and gRPC (ModelInferRequest) translate their
// wire format into these, and src/oip/infer.ts runs them on the dataplane.

/** A request or tensor parameter (InferParameter): gRPC's 64-bit integers arrive as strings. */
export type ParameterValue = string | number | boolean;
export type Parameters = Readonly<Record<string, ParameterValue>>;

export interface InferInputTensor {
  readonly name: string;
  readonly datatype: string;
  readonly shape: readonly number[];
  readonly parameters?: Parameters;
  /**
   * Exactly one of data and raw. data: REST's `data` (nested or flat, row-major) or gRPC's typed
   * contents (flat); elements are numbers, strings (BYTES, or gRPC 64-bit integers), booleans
   * or byte arrays (gRPC bytes_contents).
   */
  readonly data?: unknown;
  /** Little-endian binary elements: the binary tensor extension, or gRPC raw_input_contents. */
  readonly raw?: Uint8Array;
}

export interface RequestedOutput {
  readonly name: string;
  /** REST: this output as binary data (binary_data), overriding the request's binary_data_output. */
  readonly binary?: boolean;
}

export interface InferRequest {
  readonly model: string;
  /** Empty or absent: the version the server serves. */
  readonly version?: string;
  readonly id?: string;
  readonly parameters: Parameters;
  readonly inputs: readonly InferInputTensor[];
  /** Absent: every output. */
  readonly outputs?: readonly RequestedOutput[];
}

export interface InferOutputTensor {
  readonly name: string;
  readonly datatype: 'FP32';
  readonly shape: readonly number[];
  /** Row-major; may be a view into the dataplane's result (no copy). */
  readonly data: Float32Array;
  /** REST: send as binary data. */
  readonly binary: boolean;
}

export interface InferResponse {
  readonly modelName: string;
  readonly modelVersion: string;
  readonly id?: string;
  readonly outputs: readonly InferOutputTensor[];
}
