// Every shared schema, in dependency order, for app.addSchema (a schema must be added before
// a schema that points at it).
import type { TSchema } from 'typebox';
import { ErrorResponse, State } from './common.js';
import { ForecastRequest, ForecastResponse, SessionForecastRequest, SessionForecastResponse } from './forecast.js';
import { GenerateRequest, GenerateResponse, SessionGenerateRequest, SessionGenerateResponse } from './generate.js';
import { Liveness, Readiness } from './health.js';
import { ModelInfo, ModelList } from './models.js';
import { PredictBatchResponse, PredictRequest, PredictResponse, PredictSequence, SequenceResult } from './predict.js';
import { ServiceIndex } from './root.js';
import {
  CreateSessionRequest,
  ResetRequest,
  Session,
  SessionWithState,
  StepRequest,
  StepResponse,
} from './sessions.js';

export const sharedSchemas: readonly TSchema[] = [
  ErrorResponse,
  State,
  ModelInfo,
  ModelList,
  PredictSequence,
  PredictRequest,
  SequenceResult,
  PredictResponse,
  PredictBatchResponse,
  CreateSessionRequest,
  Session,
  SessionWithState,
  StepRequest,
  StepResponse,
  ResetRequest,
  Liveness,
  Readiness,
  ServiceIndex,
  GenerateRequest,
  GenerateResponse,
  SessionGenerateRequest,
  SessionGenerateResponse,
  ForecastRequest,
  ForecastResponse,
  SessionForecastRequest,
  SessionForecastResponse,
];

export * from './common.js';
export * from './forecast.js';
export * from './generate.js';
export * from './health.js';
export * from './models.js';
export * from './predict.js';
export * from './root.js';
export * from './sessions.js';
