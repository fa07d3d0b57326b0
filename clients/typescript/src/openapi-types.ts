// Generated from openapi/openapi.json by openapi-typescript (scripts/write-client-types.ts,
// run by `npm run openapi`): do not edit. test/redis/client-typescript.test.ts fails when it is stale.

export interface paths {
    "/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Where the API starts: links to the documentation and the entry points */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Where the API starts: paths of its entry points */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ServiceIndex"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Liveness: 200 while the process runs */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Liveness"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/readyz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Readiness: 200 when a model is ready and the session store answers, else 503 with the reason */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Readiness"];
                    };
                };
                /** @description Default Response */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Readiness"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/models": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List the model packages, ready or failed */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ModelList"];
                    };
                };
                /** @description API_KEYS is set and the request has no valid `Authorization: Bearer <key>` (UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The headers did not arrive within HEADERS_TIMEOUT_MS, or the whole request within REQUEST_TIMEOUT_MS (REQUEST_TIMEOUT); the connection is closed */
                408: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The request line and headers are larger than MAX_HEADER_BYTES (HEADERS_TOO_LARGE); the connection is closed */
                431: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/models/{model}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Describe one model: its serving version, or the version named, and every version it has */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description Model name (its folder name) */
                    model: string;
                    /** @description Model version (its version folder); without it, the newest ready version */
                    version: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A model package and whether it is ready to serve */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ModelInfo"];
                    };
                };
                /** @description The version is not a version number (INVALID_INPUT) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description API_KEYS is set and the request has no valid `Authorization: Bearer <key>` (UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description No such model, or no such version (MODEL_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The headers did not arrive within HEADERS_TIMEOUT_MS, or the whole request within REQUEST_TIMEOUT_MS (REQUEST_TIMEOUT); the connection is closed */
                408: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description A path parameter is longer than MAX_PARAM_LENGTH characters (URI_TOO_LONG) */
                414: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The request line and headers are larger than MAX_HEADER_BYTES (HEADERS_TOO_LARGE); the connection is closed */
                431: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/models/{model}/versions/{version}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Describe one model: its serving version, or the version named, and every version it has */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description Model name (its folder name) */
                    model: string;
                    /** @description Model version (its version folder); without it, the newest ready version */
                    version: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A model package and whether it is ready to serve */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ModelInfo"];
                    };
                };
                /** @description The version is not a version number (INVALID_INPUT) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description API_KEYS is set and the request has no valid `Authorization: Bearer <key>` (UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description No such model, or no such version (MODEL_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The headers did not arrive within HEADERS_TIMEOUT_MS, or the whole request within REQUEST_TIMEOUT_MS (REQUEST_TIMEOUT); the connection is closed */
                408: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description A path parameter is longer than MAX_PARAM_LENGTH characters (URI_TOO_LONG) */
                414: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The request line and headers are larger than MAX_HEADER_BYTES (HEADERS_TOO_LARGE); the connection is closed */
                431: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/models/{model}/predict": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Run whole sequences from a given (or zero) state
         * @description One sequence: `{inputs | tokens | text, state?}` answers `{model, outputs, state}`. A batch: `{sequences: [...]}` (lengths may differ) answers `{model, results: [{outputs, state}]}`.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description Model name (its folder name) */
                    model: string;
                    /** @description Model version (its version folder); without it, the newest ready version */
                    version: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["PredictRequest"];
                };
            };
            responses: {
                /** @description PredictResponse for one sequence, PredictBatchResponse for a batch */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["PredictResponse"] | components["schemas"]["PredictBatchResponse"];
                    };
                };
                /** @description Malformed input; the message names the position (INVALID_INPUT) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description API_KEYS is set and the request has no valid `Authorization: Bearer <key>` (UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description No such model, or no such version loaded (MODEL_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The headers did not arrive within HEADERS_TIMEOUT_MS, or the whole request within REQUEST_TIMEOUT_MS (REQUEST_TIMEOUT); the connection is closed */
                408: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The body is larger than BODY_LIMIT_BYTES (PAYLOAD_TOO_LARGE), or the request has more than MAX_BATCH_SEQUENCES sequences or MAX_REQUEST_ELEMENTS elements in all (REQUEST_TOO_LARGE) */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description A path parameter is longer than MAX_PARAM_LENGTH characters (URI_TOO_LONG) */
                414: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The computation overflowed float32; nothing was answered or changed (NON_FINITE_RESULT) */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The request line and headers are larger than MAX_HEADER_BYTES (HEADERS_TOO_LARGE); the connection is closed */
                431: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The model failed to load (MODEL_NOT_READY) */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/models/{model}/versions/{version}/predict": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Run whole sequences from a given (or zero) state
         * @description One sequence: `{inputs | tokens | text, state?}` answers `{model, outputs, state}`. A batch: `{sequences: [...]}` (lengths may differ) answers `{model, results: [{outputs, state}]}`.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description Model name (its folder name) */
                    model: string;
                    /** @description Model version (its version folder); without it, the newest ready version */
                    version: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["PredictRequest"];
                };
            };
            responses: {
                /** @description PredictResponse for one sequence, PredictBatchResponse for a batch */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["PredictResponse"] | components["schemas"]["PredictBatchResponse"];
                    };
                };
                /** @description Malformed input; the message names the position (INVALID_INPUT) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description API_KEYS is set and the request has no valid `Authorization: Bearer <key>` (UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description No such model, or no such version loaded (MODEL_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The headers did not arrive within HEADERS_TIMEOUT_MS, or the whole request within REQUEST_TIMEOUT_MS (REQUEST_TIMEOUT); the connection is closed */
                408: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The body is larger than BODY_LIMIT_BYTES (PAYLOAD_TOO_LARGE), or the request has more than MAX_BATCH_SEQUENCES sequences or MAX_REQUEST_ELEMENTS elements in all (REQUEST_TOO_LARGE) */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description A path parameter is longer than MAX_PARAM_LENGTH characters (URI_TOO_LONG) */
                414: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The computation overflowed float32; nothing was answered or changed (NON_FINITE_RESULT) */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The request line and headers are larger than MAX_HEADER_BYTES (HEADERS_TOO_LARGE); the connection is closed */
                431: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The model failed to load (MODEL_NOT_READY) */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/sessions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Open a session on a model */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["CreateSessionRequest"];
                };
            };
            responses: {
                /** @description A stateful sequence */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Session"];
                    };
                };
                /** @description Malformed input; the message names the position (INVALID_INPUT) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description API_KEYS is set and the request has no valid `Authorization: Bearer <key>` (UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description No such model (MODEL_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The headers did not arrive within HEADERS_TIMEOUT_MS, or the whole request within REQUEST_TIMEOUT_MS (REQUEST_TIMEOUT); the connection is closed */
                408: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The model is bidirectional: whole-sequence predict only, no sessions (WHOLE_SEQUENCE_MODEL) */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The body is larger than BODY_LIMIT_BYTES (PAYLOAD_TOO_LARGE) */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description MAX_SESSIONS sessions are open; see Retry-After (TOO_MANY_SESSIONS) */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The request line and headers are larger than MAX_HEADER_BYTES (HEADERS_TOO_LARGE); the connection is closed */
                431: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The session's model failed to load (MODEL_NOT_READY), or the session store does not answer (STORE_UNAVAILABLE, with Retry-After) */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/sessions/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A session and its current state */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description Session id */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A session and its current state */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["SessionWithState"];
                    };
                };
                /** @description API_KEYS is set and the request has no valid `Authorization: Bearer <key>` (UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Unknown, deleted or expired session (SESSION_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The headers did not arrive within HEADERS_TIMEOUT_MS, or the whole request within REQUEST_TIMEOUT_MS (REQUEST_TIMEOUT); the connection is closed */
                408: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The loaded package of the model is not the one the session was created with (MODEL_MISMATCH) */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description A path parameter is longer than MAX_PARAM_LENGTH characters (URI_TOO_LONG) */
                414: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The request line and headers are larger than MAX_HEADER_BYTES (HEADERS_TOO_LARGE); the connection is closed */
                431: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The session's model failed to load (MODEL_NOT_READY), or the session store does not answer (STORE_UNAVAILABLE, with Retry-After) */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /** Delete a session */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description Session id */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Deleted */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description API_KEYS is set and the request has no valid `Authorization: Bearer <key>` (UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Unknown, deleted or expired session (SESSION_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The headers did not arrive within HEADERS_TIMEOUT_MS, or the whole request within REQUEST_TIMEOUT_MS (REQUEST_TIMEOUT); the connection is closed */
                408: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description A path parameter is longer than MAX_PARAM_LENGTH characters (URI_TOO_LONG) */
                414: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The request line and headers are larger than MAX_HEADER_BYTES (HEADERS_TOO_LARGE); the connection is closed */
                431: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The session store does not answer (STORE_UNAVAILABLE, with Retry-After) */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/sessions/{id}/steps": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Feed elements to a session (after the session's earlier requests) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description Session id */
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["StepRequest"];
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["StepResponse"];
                    };
                };
                /** @description Malformed input; the message names the position (INVALID_INPUT) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description API_KEYS is set and the request has no valid `Authorization: Bearer <key>` (UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Unknown, deleted or expired session (SESSION_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The headers did not arrive within HEADERS_TIMEOUT_MS, or the whole request within REQUEST_TIMEOUT_MS (REQUEST_TIMEOUT); the connection is closed */
                408: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description expected_t is not the session's t, or another replica wrote the session meanwhile (SEQUENCE_CONFLICT); or the model package changed (MODEL_MISMATCH). Nothing was changed. */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The body is larger than BODY_LIMIT_BYTES (PAYLOAD_TOO_LARGE), or has more than MAX_REQUEST_ELEMENTS elements (REQUEST_TOO_LARGE) */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description A path parameter is longer than MAX_PARAM_LENGTH characters (URI_TOO_LONG) */
                414: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The computation overflowed float32; nothing was answered or changed (NON_FINITE_RESULT) */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The request line and headers are larger than MAX_HEADER_BYTES (HEADERS_TOO_LARGE); the connection is closed */
                431: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The session's model failed to load (MODEL_NOT_READY), or the session store does not answer (STORE_UNAVAILABLE, with Retry-After) */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/sessions/{id}/reset": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Start the session over at t = 0, from a given state or zeros */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description Session id */
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["ResetRequest"];
                };
            };
            responses: {
                /** @description A stateful sequence */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Session"];
                    };
                };
                /** @description Malformed input; the message names the position (INVALID_INPUT) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description API_KEYS is set and the request has no valid `Authorization: Bearer <key>` (UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Unknown, deleted or expired session (SESSION_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The headers did not arrive within HEADERS_TIMEOUT_MS, or the whole request within REQUEST_TIMEOUT_MS (REQUEST_TIMEOUT); the connection is closed */
                408: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The body is larger than BODY_LIMIT_BYTES (PAYLOAD_TOO_LARGE) */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description A path parameter is longer than MAX_PARAM_LENGTH characters (URI_TOO_LONG) */
                414: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The request line and headers are larger than MAX_HEADER_BYTES (HEADERS_TOO_LARGE); the connection is closed */
                431: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The session's model failed to load (MODEL_NOT_READY), or the session store does not answer (STORE_UNAVAILABLE, with Retry-After) */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/models/{model}/generate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Generate tokens from a prompt with a token model
         * @description Runs the prompt, then samples each next token from the model's outputs and feeds it back, until max_tokens or a stop string. The state returned has consumed the prompt and every generated token.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description Model name (its folder name) */
                    model: string;
                    /** @description Model version (its version folder); without it, the newest ready version */
                    version: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["GenerateRequest"];
                };
            };
            responses: {
                /** @description The generated tokens, and the state after the prompt and every generated token (the last one included) */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GenerateResponse"];
                    };
                };
                /** @description Malformed input or parameters, or a model that cannot generate (no vocabulary, output_size not the vocabulary size) (INVALID_INPUT) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description API_KEYS is set and the request has no valid `Authorization: Bearer <key>` (UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description No such model, or no such version loaded (MODEL_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The headers did not arrive within HEADERS_TIMEOUT_MS, or the whole request within REQUEST_TIMEOUT_MS (REQUEST_TIMEOUT); the connection is closed */
                408: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The model is bidirectional: whole-sequence predict only (WHOLE_SEQUENCE_MODEL) */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The body is larger than BODY_LIMIT_BYTES (PAYLOAD_TOO_LARGE), or the prompt plus max_tokens is more than MAX_REQUEST_ELEMENTS elements (REQUEST_TOO_LARGE) */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description A path parameter is longer than MAX_PARAM_LENGTH characters (URI_TOO_LONG) */
                414: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The computation overflowed float32; nothing was answered or changed (NON_FINITE_RESULT) */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The request line and headers are larger than MAX_HEADER_BYTES (HEADERS_TOO_LARGE); the connection is closed */
                431: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The model failed to load (MODEL_NOT_READY) */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/models/{model}/versions/{version}/generate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Generate tokens from a prompt with a token model
         * @description Runs the prompt, then samples each next token from the model's outputs and feeds it back, until max_tokens or a stop string. The state returned has consumed the prompt and every generated token.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description Model name (its folder name) */
                    model: string;
                    /** @description Model version (its version folder); without it, the newest ready version */
                    version: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["GenerateRequest"];
                };
            };
            responses: {
                /** @description The generated tokens, and the state after the prompt and every generated token (the last one included) */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GenerateResponse"];
                    };
                };
                /** @description Malformed input or parameters, or a model that cannot generate (no vocabulary, output_size not the vocabulary size) (INVALID_INPUT) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description API_KEYS is set and the request has no valid `Authorization: Bearer <key>` (UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description No such model, or no such version loaded (MODEL_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The headers did not arrive within HEADERS_TIMEOUT_MS, or the whole request within REQUEST_TIMEOUT_MS (REQUEST_TIMEOUT); the connection is closed */
                408: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The model is bidirectional: whole-sequence predict only (WHOLE_SEQUENCE_MODEL) */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The body is larger than BODY_LIMIT_BYTES (PAYLOAD_TOO_LARGE), or the prompt plus max_tokens is more than MAX_REQUEST_ELEMENTS elements (REQUEST_TOO_LARGE) */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description A path parameter is longer than MAX_PARAM_LENGTH characters (URI_TOO_LONG) */
                414: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The computation overflowed float32; nothing was answered or changed (NON_FINITE_RESULT) */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The request line and headers are larger than MAX_HEADER_BYTES (HEADERS_TOO_LARGE); the connection is closed */
                431: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The model failed to load (MODEL_NOT_READY) */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/sessions/{id}/generate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Generate tokens on a session, advancing it by the prompt and every generated token */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description Session id */
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["SessionGenerateRequest"];
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["SessionGenerateResponse"];
                    };
                };
                /** @description Malformed input or parameters, or a model that cannot generate (no vocabulary, output_size not the vocabulary size) (INVALID_INPUT) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description API_KEYS is set and the request has no valid `Authorization: Bearer <key>` (UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Unknown, deleted or expired session (SESSION_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The headers did not arrive within HEADERS_TIMEOUT_MS, or the whole request within REQUEST_TIMEOUT_MS (REQUEST_TIMEOUT); the connection is closed */
                408: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description expected_t is not the session's t, or another replica wrote the session meanwhile (SEQUENCE_CONFLICT); or the model package changed (MODEL_MISMATCH). Nothing was changed. */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The body is larger than BODY_LIMIT_BYTES (PAYLOAD_TOO_LARGE), or the prompt plus max_tokens is more than MAX_REQUEST_ELEMENTS elements (REQUEST_TOO_LARGE) */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description A path parameter is longer than MAX_PARAM_LENGTH characters (URI_TOO_LONG) */
                414: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The computation overflowed float32; nothing was answered or changed (NON_FINITE_RESULT) */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The request line and headers are larger than MAX_HEADER_BYTES (HEADERS_TOO_LARGE); the connection is closed */
                431: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The session's model failed to load (MODEL_NOT_READY), or the session store does not answer (STORE_UNAVAILABLE, with Retry-After) */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/models/{model}/forecast": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Forecast: run a history, then feed each prediction back as the next input
         * @description For models with output_size = input_size. Feeding back is exactly what posting each returned prediction as the next input would do. The state returned has consumed the history and every prediction.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description Model name (its folder name) */
                    model: string;
                    /** @description Model version (its version folder); without it, the newest ready version */
                    version: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["ForecastRequest"];
                };
            };
            responses: {
                /** @description The predictions, and the state after the history and every prediction (the last one included) */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ForecastResponse"];
                    };
                };
                /** @description Malformed input, a horizon out of range, or a model whose outputs cannot be its inputs (output_size != input_size) (INVALID_INPUT) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description API_KEYS is set and the request has no valid `Authorization: Bearer <key>` (UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description No such model, or no such version loaded (MODEL_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The headers did not arrive within HEADERS_TIMEOUT_MS, or the whole request within REQUEST_TIMEOUT_MS (REQUEST_TIMEOUT); the connection is closed */
                408: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The model is bidirectional: whole-sequence predict only (WHOLE_SEQUENCE_MODEL) */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The body is larger than BODY_LIMIT_BYTES (PAYLOAD_TOO_LARGE), or the history plus horizon is more than MAX_REQUEST_ELEMENTS elements (REQUEST_TOO_LARGE) */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description A path parameter is longer than MAX_PARAM_LENGTH characters (URI_TOO_LONG) */
                414: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The computation overflowed float32; nothing was answered or changed (NON_FINITE_RESULT) */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The request line and headers are larger than MAX_HEADER_BYTES (HEADERS_TOO_LARGE); the connection is closed */
                431: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The model failed to load (MODEL_NOT_READY) */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/models/{model}/versions/{version}/forecast": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Forecast: run a history, then feed each prediction back as the next input
         * @description For models with output_size = input_size. Feeding back is exactly what posting each returned prediction as the next input would do. The state returned has consumed the history and every prediction.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description Model name (its folder name) */
                    model: string;
                    /** @description Model version (its version folder); without it, the newest ready version */
                    version: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["ForecastRequest"];
                };
            };
            responses: {
                /** @description The predictions, and the state after the history and every prediction (the last one included) */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ForecastResponse"];
                    };
                };
                /** @description Malformed input, a horizon out of range, or a model whose outputs cannot be its inputs (output_size != input_size) (INVALID_INPUT) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description API_KEYS is set and the request has no valid `Authorization: Bearer <key>` (UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description No such model, or no such version loaded (MODEL_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The headers did not arrive within HEADERS_TIMEOUT_MS, or the whole request within REQUEST_TIMEOUT_MS (REQUEST_TIMEOUT); the connection is closed */
                408: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The model is bidirectional: whole-sequence predict only (WHOLE_SEQUENCE_MODEL) */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The body is larger than BODY_LIMIT_BYTES (PAYLOAD_TOO_LARGE), or the history plus horizon is more than MAX_REQUEST_ELEMENTS elements (REQUEST_TOO_LARGE) */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description A path parameter is longer than MAX_PARAM_LENGTH characters (URI_TOO_LONG) */
                414: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The computation overflowed float32; nothing was answered or changed (NON_FINITE_RESULT) */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The request line and headers are larger than MAX_HEADER_BYTES (HEADERS_TOO_LARGE); the connection is closed */
                431: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The model failed to load (MODEL_NOT_READY) */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/sessions/{id}/forecast": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Forecast on a session, advancing it by the history and every prediction */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description Session id */
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["SessionForecastRequest"];
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["SessionForecastResponse"];
                    };
                };
                /** @description Malformed input, a horizon out of range, or a model whose outputs cannot be its inputs (output_size != input_size) (INVALID_INPUT) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description API_KEYS is set and the request has no valid `Authorization: Bearer <key>` (UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Unknown, deleted or expired session (SESSION_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The headers did not arrive within HEADERS_TIMEOUT_MS, or the whole request within REQUEST_TIMEOUT_MS (REQUEST_TIMEOUT); the connection is closed */
                408: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description expected_t is not the session's t, or another replica wrote the session meanwhile (SEQUENCE_CONFLICT); or the model package changed (MODEL_MISMATCH). Nothing was changed. */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The body is larger than BODY_LIMIT_BYTES (PAYLOAD_TOO_LARGE), or the history plus horizon is more than MAX_REQUEST_ELEMENTS elements (REQUEST_TOO_LARGE) */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description A path parameter is longer than MAX_PARAM_LENGTH characters (URI_TOO_LONG) */
                414: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The computation overflowed float32; nothing was answered or changed (NON_FINITE_RESULT) */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The request line and headers are larger than MAX_HEADER_BYTES (HEADERS_TOO_LARGE); the connection is closed */
                431: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The session's model failed to load (MODEL_NOT_READY), or the session store does not answer (STORE_UNAVAILABLE, with Retry-After) */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Server metadata: name, version and the protocol extensions it implements */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            name: string;
                            version: string;
                            extensions: string[];
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/health/live": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Server live: 200 while the process runs */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            live: boolean;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/health/ready": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Server ready: 200 when a model is ready and the session store answers, else 400 (the protocol: 4xx means false) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            ready: boolean;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            ready: boolean;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/models/{model}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Model metadata: versions, platform and the tensor contract (README "Open Inference Protocol") */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    model: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            name: string;
                            versions: string[];
                            platform: string;
                            inputs: {
                                name: string;
                                datatype: string;
                                shape: number[];
                            }[];
                            outputs: {
                                name: string;
                                datatype: string;
                                shape: number[];
                            }[];
                        };
                    };
                };
                /** @description API_KEYS is set and the request has no valid `Authorization: Bearer <key>` */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description What was wrong and where */
                            error: string;
                        };
                    };
                };
                /** @description No such model, or not that version */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description What was wrong and where */
                            error: string;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/models/{model}/versions/{version}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Model metadata: versions, platform and the tensor contract (README "Open Inference Protocol") */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    model: string;
                    version: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            name: string;
                            versions: string[];
                            platform: string;
                            inputs: {
                                name: string;
                                datatype: string;
                                shape: number[];
                            }[];
                            outputs: {
                                name: string;
                                datatype: string;
                                shape: number[];
                            }[];
                        };
                    };
                };
                /** @description API_KEYS is set and the request has no valid `Authorization: Bearer <key>` */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description What was wrong and where */
                            error: string;
                        };
                    };
                };
                /** @description No such model, or not that version */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description What was wrong and where */
                            error: string;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/models/{model}/ready": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Model ready: 200 when it can serve, 400 when its package failed to load */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    model: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            name: string;
                            ready: boolean;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            name: string;
                            ready: boolean;
                        };
                    };
                };
                /** @description API_KEYS is set and the request has no valid `Authorization: Bearer <key>` */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description What was wrong and where */
                            error: string;
                        };
                    };
                };
                /** @description No such model, or not that version */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description What was wrong and where */
                            error: string;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/models/{model}/versions/{version}/ready": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Model ready: 200 when it can serve, 400 when its package failed to load */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    model: string;
                    version: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            name: string;
                            ready: boolean;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            name: string;
                            ready: boolean;
                        };
                    };
                };
                /** @description API_KEYS is set and the request has no valid `Authorization: Bearer <key>` */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description What was wrong and where */
                            error: string;
                        };
                    };
                };
                /** @description No such model, or not that version */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description What was wrong and where */
                            error: string;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/models/{model}/infer": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Inference on a model: stateless, or one step of a sequence (parameters.sequence_id)
         * @description The tensor contract: input `input` FP32 [B, T, input_size] or [T, input_size] (FP64, FP16 accepted); token models also `tokens` INT64/INT32 [B, T] or `text` BYTES [B]; optional `state_h`/`state_c` [B, num_layers, hidden_size]. Outputs `output` FP32 [B, T, output_size], `state_h`, `state_c`. Sequences: `sequence_id` (uint64 or string), `sequence_start` (creates or starts over the session of that id), `sequence_end` (deletes it after answering); B = 1.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    model: string;
                };
                cookie?: never;
            };
            /** @description The JSON inference request. With the binary tensor extension the body is this JSON followed by the tensors' bytes, the header Inference-Header-Content-Length giving the JSON's length (any content type, e.g. application/octet-stream). */
            requestBody: {
                content: {
                    "application/json": {
                        id?: string;
                        /** @description sequence_id, sequence_start, sequence_end, binary_data_output, binary_data_size, binary_data */
                        parameters?: {
                            [key: string]: string | number | boolean;
                        };
                        inputs: {
                            /** @description input, tokens, text, state_h or state_c */
                            name: string;
                            shape: number[];
                            /** @description FP32 (FP64, FP16), INT64/INT32 for tokens, BYTES for text */
                            datatype: string;
                            /** @description sequence_id, sequence_start, sequence_end, binary_data_output, binary_data_size, binary_data */
                            parameters?: {
                                [key: string]: string | number | boolean;
                            };
                            /** @description Row-major elements, flat or nested (numbers; strings for BYTES) */
                            data?: unknown[];
                        }[];
                        outputs?: {
                            /** @description output, state_h or state_c */
                            name: string;
                            /** @description sequence_id, sequence_start, sequence_end, binary_data_output, binary_data_size, binary_data */
                            parameters?: {
                                [key: string]: string | number | boolean;
                            };
                        }[];
                    };
                    "application/octet-stream": {
                        id?: string;
                        /** @description sequence_id, sequence_start, sequence_end, binary_data_output, binary_data_size, binary_data */
                        parameters?: {
                            [key: string]: string | number | boolean;
                        };
                        inputs: {
                            /** @description input, tokens, text, state_h or state_c */
                            name: string;
                            shape: number[];
                            /** @description FP32 (FP64, FP16), INT64/INT32 for tokens, BYTES for text */
                            datatype: string;
                            /** @description sequence_id, sequence_start, sequence_end, binary_data_output, binary_data_size, binary_data */
                            parameters?: {
                                [key: string]: string | number | boolean;
                            };
                            /** @description Row-major elements, flat or nested (numbers; strings for BYTES) */
                            data?: unknown[];
                        }[];
                        outputs?: {
                            /** @description output, state_h or state_c */
                            name: string;
                            /** @description sequence_id, sequence_start, sequence_end, binary_data_output, binary_data_size, binary_data */
                            parameters?: {
                                [key: string]: string | number | boolean;
                            };
                        }[];
                    };
                };
            };
            responses: {
                /** @description JSON, or (when an output is requested as binary data) this JSON followed by the outputs' bytes, with Inference-Header-Content-Length giving the JSON's length. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            model_name: string;
                            model_version?: string;
                            id?: string;
                            outputs: {
                                name: string;
                                shape: number[];
                                datatype: string;
                                /** @description sequence_id, sequence_start, sequence_end, binary_data_output, binary_data_size, binary_data */
                                parameters?: {
                                    [key: string]: string | number | boolean;
                                };
                                /** @description Row-major elements, flat or nested (numbers; strings for BYTES) */
                                data?: unknown[];
                            }[];
                        };
                    };
                };
                /** @description Malformed request: shape, datatype, element count, binary sizes, sequence flags, or a body over BODY_LIMIT_BYTES */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description What was wrong and where */
                            error: string;
                        };
                    };
                };
                /** @description API_KEYS is set and the request has no valid `Authorization: Bearer <key>` */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description What was wrong and where */
                            error: string;
                        };
                    };
                };
                /** @description No such model, or not that version */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description What was wrong and where */
                            error: string;
                        };
                    };
                };
                /** @description The session was created with another package of the model */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description What was wrong and where */
                            error: string;
                        };
                    };
                };
                /** @description MAX_SESSIONS sessions are open (Retry-After) */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description What was wrong and where */
                            error: string;
                        };
                    };
                };
                /** @description The model failed to load, the session store does not answer, or the server is shutting down */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description What was wrong and where */
                            error: string;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/models/{model}/versions/{version}/infer": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Inference on a model: stateless, or one step of a sequence (parameters.sequence_id)
         * @description The tensor contract: input `input` FP32 [B, T, input_size] or [T, input_size] (FP64, FP16 accepted); token models also `tokens` INT64/INT32 [B, T] or `text` BYTES [B]; optional `state_h`/`state_c` [B, num_layers, hidden_size]. Outputs `output` FP32 [B, T, output_size], `state_h`, `state_c`. Sequences: `sequence_id` (uint64 or string), `sequence_start` (creates or starts over the session of that id), `sequence_end` (deletes it after answering); B = 1.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    model: string;
                    version: string;
                };
                cookie?: never;
            };
            /** @description The JSON inference request. With the binary tensor extension the body is this JSON followed by the tensors' bytes, the header Inference-Header-Content-Length giving the JSON's length (any content type, e.g. application/octet-stream). */
            requestBody: {
                content: {
                    "application/json": {
                        id?: string;
                        /** @description sequence_id, sequence_start, sequence_end, binary_data_output, binary_data_size, binary_data */
                        parameters?: {
                            [key: string]: string | number | boolean;
                        };
                        inputs: {
                            /** @description input, tokens, text, state_h or state_c */
                            name: string;
                            shape: number[];
                            /** @description FP32 (FP64, FP16), INT64/INT32 for tokens, BYTES for text */
                            datatype: string;
                            /** @description sequence_id, sequence_start, sequence_end, binary_data_output, binary_data_size, binary_data */
                            parameters?: {
                                [key: string]: string | number | boolean;
                            };
                            /** @description Row-major elements, flat or nested (numbers; strings for BYTES) */
                            data?: unknown[];
                        }[];
                        outputs?: {
                            /** @description output, state_h or state_c */
                            name: string;
                            /** @description sequence_id, sequence_start, sequence_end, binary_data_output, binary_data_size, binary_data */
                            parameters?: {
                                [key: string]: string | number | boolean;
                            };
                        }[];
                    };
                    "application/octet-stream": {
                        id?: string;
                        /** @description sequence_id, sequence_start, sequence_end, binary_data_output, binary_data_size, binary_data */
                        parameters?: {
                            [key: string]: string | number | boolean;
                        };
                        inputs: {
                            /** @description input, tokens, text, state_h or state_c */
                            name: string;
                            shape: number[];
                            /** @description FP32 (FP64, FP16), INT64/INT32 for tokens, BYTES for text */
                            datatype: string;
                            /** @description sequence_id, sequence_start, sequence_end, binary_data_output, binary_data_size, binary_data */
                            parameters?: {
                                [key: string]: string | number | boolean;
                            };
                            /** @description Row-major elements, flat or nested (numbers; strings for BYTES) */
                            data?: unknown[];
                        }[];
                        outputs?: {
                            /** @description output, state_h or state_c */
                            name: string;
                            /** @description sequence_id, sequence_start, sequence_end, binary_data_output, binary_data_size, binary_data */
                            parameters?: {
                                [key: string]: string | number | boolean;
                            };
                        }[];
                    };
                };
            };
            responses: {
                /** @description JSON, or (when an output is requested as binary data) this JSON followed by the outputs' bytes, with Inference-Header-Content-Length giving the JSON's length. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            model_name: string;
                            model_version?: string;
                            id?: string;
                            outputs: {
                                name: string;
                                shape: number[];
                                datatype: string;
                                /** @description sequence_id, sequence_start, sequence_end, binary_data_output, binary_data_size, binary_data */
                                parameters?: {
                                    [key: string]: string | number | boolean;
                                };
                                /** @description Row-major elements, flat or nested (numbers; strings for BYTES) */
                                data?: unknown[];
                            }[];
                        };
                    };
                };
                /** @description Malformed request: shape, datatype, element count, binary sizes, sequence flags, or a body over BODY_LIMIT_BYTES */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description What was wrong and where */
                            error: string;
                        };
                    };
                };
                /** @description API_KEYS is set and the request has no valid `Authorization: Bearer <key>` */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description What was wrong and where */
                            error: string;
                        };
                    };
                };
                /** @description No such model, or not that version */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description What was wrong and where */
                            error: string;
                        };
                    };
                };
                /** @description The session was created with another package of the model */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description What was wrong and where */
                            error: string;
                        };
                    };
                };
                /** @description MAX_SESSIONS sessions are open (Retry-After) */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description What was wrong and where */
                            error: string;
                        };
                    };
                };
                /** @description The model failed to load, the session store does not answer, or the server is shutting down */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description What was wrong and where */
                            error: string;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/repository/index": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Every model in MODELS_DIR or loaded, one entry per version, with its state */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            /** @description $repository_index_request; the body may be empty */
            requestBody: {
                content: {
                    "application/json": {
                        /** @description Only the models ready for inference (default false) */
                        ready?: boolean;
                    };
                };
            };
            responses: {
                /** @description $repository_index_response: one entry per version of each model in MODELS_DIR or loaded */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            name: string;
                            /** @description Absent for a model none of whose versions could be read */
                            version?: string;
                            /** @enum {unknown} */
                            state: "READY" | "UNAVAILABLE" | "LOADING" | "UNLOADING";
                            /** @description Why the model is in this state; empty when READY as expected */
                            reason: string;
                        }[];
                    };
                };
                /** @description A malformed body or an unknown field (INVALID_INPUT), a body over BODY_LIMIT_BYTES (PAYLOAD_TOO_LARGE), MODEL_CONTROL is not explicit (MODEL_CONTROL_DISABLED), or the package failed to load (MODEL_LOAD_FAILED) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description What was wrong and where */
                            error: string;
                            /** @description The error code (docs/errors.md) */
                            code: string;
                        };
                    };
                };
                /** @description A key is configured and the request has no valid `Authorization: Bearer <key>` (UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description What was wrong and where */
                            error: string;
                            /** @description The error code (docs/errors.md) */
                            code: string;
                        };
                    };
                };
                /** @description The key is valid but not an admin key of ADMIN_API_KEYS (FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description What was wrong and where */
                            error: string;
                            /** @description The error code (docs/errors.md) */
                            code: string;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/repository/models/{model}/load": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Load or reload a model: read its folder again (new versions, changed packages, its policy); MODEL_CONTROL=explicit
         * @description Answers once the versions its policy selects are loaded. A package that fails to load never replaces a working version: the answer is then 400 MODEL_LOAD_FAILED saying what still serves.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    model: string;
                };
                cookie?: never;
            };
            /** @description $repository_load_request; the body may be empty */
            requestBody: {
                content: {
                    "application/json": {
                        /** @description No load parameter is supported (no "config" or "file:" overrides): the package is read from MODELS_DIR */
                        parameters?: Record<string, never>;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            name: string;
                            /** @description The versions ready after the load */
                            versions: string[];
                        };
                    };
                };
                /** @description A malformed body or an unknown field (INVALID_INPUT), a body over BODY_LIMIT_BYTES (PAYLOAD_TOO_LARGE), MODEL_CONTROL is not explicit (MODEL_CONTROL_DISABLED), or the package failed to load (MODEL_LOAD_FAILED) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description What was wrong and where */
                            error: string;
                            /** @description The error code (docs/errors.md) */
                            code: string;
                        };
                    };
                };
                /** @description A key is configured and the request has no valid `Authorization: Bearer <key>` (UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description What was wrong and where */
                            error: string;
                            /** @description The error code (docs/errors.md) */
                            code: string;
                        };
                    };
                };
                /** @description The key is valid but not an admin key of ADMIN_API_KEYS (FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description What was wrong and where */
                            error: string;
                            /** @description The error code (docs/errors.md) */
                            code: string;
                        };
                    };
                };
                /** @description No such folder in MODELS_DIR, or a name that is not one folder name (MODEL_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description What was wrong and where */
                            error: string;
                            /** @description The error code (docs/errors.md) */
                            code: string;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v2/repository/models/{model}/unload": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Unload every version of a model, once the requests in flight on it have finished; MODEL_CONTROL=explicit
         * @description New requests to the model are refused at once (MODEL_NOT_FOUND); its sessions answer 409 MODEL_VERSION_UNLOADED until it is loaded again or they are reset onto a loaded version.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    model: string;
                };
                cookie?: never;
            };
            /** @description $repository_unload_request; the body may be empty */
            requestBody: {
                content: {
                    "application/json": {
                        parameters?: {
                            /** @description Accepted; models here have no dependents */
                            unload_dependents?: boolean;
                        };
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            name: string;
                        };
                    };
                };
                /** @description A malformed body or an unknown field (INVALID_INPUT), a body over BODY_LIMIT_BYTES (PAYLOAD_TOO_LARGE), MODEL_CONTROL is not explicit (MODEL_CONTROL_DISABLED), or the package failed to load (MODEL_LOAD_FAILED) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description What was wrong and where */
                            error: string;
                            /** @description The error code (docs/errors.md) */
                            code: string;
                        };
                    };
                };
                /** @description A key is configured and the request has no valid `Authorization: Bearer <key>` (UNAUTHORIZED) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description What was wrong and where */
                            error: string;
                            /** @description The error code (docs/errors.md) */
                            code: string;
                        };
                    };
                };
                /** @description The key is valid but not an admin key of ADMIN_API_KEYS (FORBIDDEN) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description What was wrong and where */
                            error: string;
                            /** @description The error code (docs/errors.md) */
                            code: string;
                        };
                    };
                };
                /** @description No such folder in MODELS_DIR, or a name that is not one folder name (MODEL_NOT_FOUND) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description What was wrong and where */
                            error: string;
                            /** @description The error code (docs/errors.md) */
                            code: string;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /** @description Every error has this shape */
        ErrorResponse: {
            /** @description The HTTP status, repeated */
            statusCode: number;
            /**
             * @description Machine-readable error code, e.g. MODEL_NOT_FOUND
             * @example INVALID_INPUT
             */
            code: string;
            /**
             * @description The HTTP status text
             * @example Bad Request
             */
            error: string;
            /**
             * @description What was wrong and where
             * @example inputs[3] has 2 values, model 'gru' expects 3
             */
            message: string;
        };
        /** @description A recurrent state: PyTorch h_n (and c_n for lstm) without the batch axis */
        State: {
            /** @description num_layers x hidden_size (2 x num_layers rows for a bidirectional model: layer 0 forward, layer 0 backward, ...) */
            h: number[][];
            /** @description num_layers x hidden_size; lstm only */
            c?: number[][];
        };
        /** @description A model package and whether it is ready to serve */
        ModelInfo: {
            name: string;
            /** @enum {unknown} */
            status: "ready" | "failed";
            /** @description Why the package failed to load (status failed) */
            error?: string;
            /** @enum {unknown} */
            architecture?: "rnn" | "lstm" | "gru";
            input_size?: number;
            hidden_size?: number;
            num_layers?: number;
            /** @description Present (true) for a bidirectional model: whole-sequence predict only, no sessions or streams */
            bidirectional?: boolean;
            /**
             * @description Present when the layers do not only run forward in time
             * @enum {unknown}
             */
            direction?: "reverse" | "bidirectional";
            /** @description The head width, or hidden_size without a head */
            output_size?: number;
            /** @enum {unknown} */
            output_activation?: "identity" | "softmax" | "sigmoid";
            /** @description Token models: accepted tokens */
            vocab?: string[];
            /** @description Names of the outputs */
            labels?: string[];
            description?: string;
            /** @description The repository version shown: the version folder's number, "1" for a flat package */
            version?: string;
            /** @description Every version the repository holds of this model: loaded ones, and the latest failure of the others */
            versions?: {
                version: string;
                /** @enum {unknown} */
                status: "ready" | "failed";
                /** @description Why this version failed to load */
                error?: string;
            }[];
            /** @description The `version` string of the package's config.json, when it has one */
            package_version?: string;
            /** @description What runs the model (ready packages); RNN_ENGINE and RNN_ENGINE_ISA choose it */
            engine?: {
                /**
                 * @description native: the C++ addon; wasm: WebAssembly SIMD
                 * @enum {unknown}
                 */
                name: "native" | "wasm" | "reference";
                /** @description Instruction set of its kernels: avx512, avx2, neon, baseline (native), simd128 (wasm) */
                isa: string;
            };
        };
        ModelList: {
            models: components["schemas"]["ModelInfo"][];
        };
        /** @description One sequence (exactly one of inputs, tokens, text) and an optional initial state (zeros otherwise) */
        PredictSequence: {
            /** @description T x input_size vectors, one row per element */
            inputs?: number[][];
            /** @description Token models only: ids or vocabulary entries, one per element */
            tokens?: (number | string)[];
            /** @description Token models only: split into characters (Unicode code points), one per element */
            text?: string;
            /**
             * @description Characters of text (and strings in tokens) outside the vocabulary: error (the default: 400 naming them and their positions), drop (left out), or replace (by the package's unk_token; refused when it has none)
             * @enum {unknown}
             */
            unknown?: "error" | "drop" | "replace";
            state?: components["schemas"]["State"];
        };
        /** @description Either one sequence (inputs, tokens or text; state) or a batch (sequences), not both */
        PredictRequest: {
            /** @description T x input_size vectors, one row per element */
            inputs?: number[][];
            /** @description Token models only: ids or vocabulary entries, one per element */
            tokens?: (number | string)[];
            /** @description Token models only: split into characters (Unicode code points), one per element */
            text?: string;
            /**
             * @description Characters of text (and strings in tokens) outside the vocabulary: error (the default: 400 naming them and their positions), drop (left out), or replace (by the package's unk_token; refused when it has none)
             * @enum {unknown}
             */
            unknown?: "error" | "drop" | "replace";
            state?: components["schemas"]["State"];
            /** @description Batch form: several independent sequences, lengths may differ */
            sequences?: components["schemas"]["PredictSequence"][];
        };
        /** @description Outputs of one sequence and the state after its last element */
        SequenceResult: {
            /** @description T x output_size, one row per element */
            outputs: number[][];
            state: components["schemas"]["State"];
        };
        /** @description Answer to a single-sequence request */
        PredictResponse: {
            model: string;
            /** @description T x output_size, one row per element */
            outputs: number[][];
            state: components["schemas"]["State"];
        };
        /** @description Answer to a batch request */
        PredictBatchResponse: {
            model: string;
            /** @description In the order of sequences */
            results: components["schemas"]["SequenceResult"][];
        };
        CreateSessionRequest: {
            model: string;
            /** @description The model version to run on (default: the newest ready one); the session keeps it until a reset */
            version?: string;
            state?: components["schemas"]["State"];
            /** @description Idle time before the session expires; at most the server's SESSION_TTL_SECONDS */
            ttl_seconds?: number;
        };
        /** @description A stateful sequence */
        Session: {
            session_id: string;
            model: string;
            /** @description The model version the session runs on (a reset moves it to the newest) */
            model_version?: string;
            /** @description Elements consumed so far */
            t: number;
            /** Format: date-time */
            created_at: string;
            /**
             * Format: date-time
             * @description When the session expires unless used again
             */
            expires_at: string;
            /** @description Idle time to live */
            ttl_seconds: number;
        };
        /** @description A session and its current state */
        SessionWithState: {
            session_id: string;
            model: string;
            /** @description The model version the session runs on (a reset moves it to the newest) */
            model_version?: string;
            /** @description Elements consumed so far */
            t: number;
            /** Format: date-time */
            created_at: string;
            /**
             * Format: date-time
             * @description When the session expires unless used again
             */
            expires_at: string;
            /** @description Idle time to live */
            ttl_seconds: number;
            state: components["schemas"]["State"];
        };
        /** @description Elements to feed the session: exactly one of inputs, tokens, text */
        StepRequest: {
            /** @description T x input_size vectors, one row per element */
            inputs?: number[][];
            /** @description Token models only: ids or vocabulary entries, one per element */
            tokens?: (number | string)[];
            /** @description Token models only: split into characters (Unicode code points), one per element */
            text?: string;
            /**
             * @description Characters of text (and strings in tokens) outside the vocabulary: error (the default: 400 naming them and their positions), drop (left out), or replace (by the package's unk_token; refused when it has none)
             * @enum {unknown}
             */
            unknown?: "error" | "drop" | "replace";
            /** @description Refuse with 409 (changing nothing) unless this is the session's t */
            expected_t?: number;
            /**
             * @description Include the new state in the answer
             * @default false
             */
            return_state: boolean;
        };
        StepResponse: {
            session_id: string;
            /** @description The session t after these elements */
            t: number;
            /** @description One row per element fed, T x output_size */
            outputs: number[][];
            state?: components["schemas"]["State"];
        };
        /** @description Start over at t = 0 from this state (zeros when absent) */
        ResetRequest: {
            state?: components["schemas"]["State"];
        };
        Liveness: {
            /** @enum {string} */
            status: "ok";
        };
        Readiness: {
            /** @enum {unknown} */
            status: "ready" | "not_ready";
            /** @description Why the server is not ready */
            reason?: string;
            models_ready: number;
            models_failed: number;
            /** @description "ok" or what went wrong */
            session_store: string;
        };
        /** @description Where the API starts: paths of its entry points */
        ServiceIndex: {
            name: string;
            version: string;
            description: string;
            /** @description The browsable API documentation */
            docs: string;
            /** @description The OpenAPI document of the HTTP API */
            openapi: string;
            /** @description A page to try the models in a browser */
            playground: string;
            /** @description The loaded models; each model has predict, sessions, generate, forecast and stream */
            models: string;
            /** @description Liveness probe */
            health: string;
            /** @description Readiness probe */
            ready: string;
            /** @description Prometheus metrics */
            metrics: string;
        };
        /** @description A prompt (text or tokens), sampling parameters and an optional start state (zeros otherwise) */
        GenerateRequest: {
            /** @description The prompt, one token per character (Unicode code point). Give text or tokens. */
            text?: string;
            /** @description The prompt as token ids or vocabulary entries. Give text or tokens. */
            tokens?: (number | string)[];
            /**
             * @description Characters of text (and strings in tokens) outside the vocabulary: error (the default: 400 naming them and their positions), drop (left out), or replace (by the package's unk_token; refused when it has none)
             * @enum {unknown}
             */
            unknown?: "error" | "drop" | "replace";
            /**
             * @description Most tokens to generate; at most the server's MAX_GENERATE_TOKENS
             * @default 16
             */
            max_tokens: number;
            /**
             * @description Sharpens (< 1) or flattens (> 1) the distribution: p^(1/T) renormalised. 0: always the most likely token
             * @default 1
             */
            temperature: number;
            /**
             * @description Sample among the k most likely tokens only; 0: off
             * @default 0
             */
            top_k: number;
            /**
             * @description Sample among the fewest most likely tokens whose probability reaches p (nucleus sampling); 1: off
             * @default 1
             */
            top_p: number;
            /** @description Same seed and same request, same tokens. Absent: one is drawn and returned */
            seed?: number;
            /** @description Generation ends when the generated text contains one of these; the returned text stops before it */
            stop?: string[];
            state?: components["schemas"]["State"];
            /**
             * @description false: leave the state out of the answer
             * @default true
             */
            return_state: boolean;
        };
        /** @description The generated tokens, and the state after the prompt and every generated token (the last one included) */
        GenerateResponse: {
            model: string;
            /** @description The generated text (not the prompt), cut before the stop string if one ended it */
            text: string;
            /** @description Ids of every generated token, a stop string's included; the state has consumed all of them */
            tokens: number[];
            /**
             * @description length: max_tokens were generated; stop: a stop string appeared
             * @enum {unknown}
             */
            finish_reason: "length" | "stop";
            /** @description The stop string that ended generation */
            stop_sequence?: string;
            /** @description The seed used: send it again to get the same tokens */
            seed: number;
            state?: components["schemas"]["State"];
        };
        /** @description A prompt (text or tokens) and sampling parameters; generation starts at the session's state */
        SessionGenerateRequest: {
            /** @description The prompt, one token per character (Unicode code point). Give text or tokens. */
            text?: string;
            /** @description The prompt as token ids or vocabulary entries. Give text or tokens. */
            tokens?: (number | string)[];
            /**
             * @description Characters of text (and strings in tokens) outside the vocabulary: error (the default: 400 naming them and their positions), drop (left out), or replace (by the package's unk_token; refused when it has none)
             * @enum {unknown}
             */
            unknown?: "error" | "drop" | "replace";
            /**
             * @description Most tokens to generate; at most the server's MAX_GENERATE_TOKENS
             * @default 16
             */
            max_tokens: number;
            /**
             * @description Sharpens (< 1) or flattens (> 1) the distribution: p^(1/T) renormalised. 0: always the most likely token
             * @default 1
             */
            temperature: number;
            /**
             * @description Sample among the k most likely tokens only; 0: off
             * @default 0
             */
            top_k: number;
            /**
             * @description Sample among the fewest most likely tokens whose probability reaches p (nucleus sampling); 1: off
             * @default 1
             */
            top_p: number;
            /** @description Same seed and same request, same tokens. Absent: one is drawn and returned */
            seed?: number;
            /** @description Generation ends when the generated text contains one of these; the returned text stops before it */
            stop?: string[];
            /** @description Refuse with 409 (changing nothing) unless this is the session's t */
            expected_t?: number;
            /**
             * @description Include the new state in the answer
             * @default false
             */
            return_state: boolean;
        };
        SessionGenerateResponse: {
            session_id: string;
            /** @description The session t after the prompt and every generated token */
            t: number;
            /** @description The generated text (not the prompt), cut before the stop string if one ended it */
            text: string;
            /** @description Ids of every generated token, a stop string's included; the state has consumed all of them */
            tokens: number[];
            /**
             * @description length: max_tokens were generated; stop: a stop string appeared
             * @enum {unknown}
             */
            finish_reason: "length" | "stop";
            /** @description The stop string that ended generation */
            stop_sequence?: string;
            /** @description The seed used: send it again to get the same tokens */
            seed: number;
            state?: components["schemas"]["State"];
        };
        /** @description A history, a horizon and an optional start state (zeros otherwise) */
        ForecastRequest: {
            /** @description The history: T >= 1 rows of input_size values, run before the first prediction */
            inputs: number[][];
            /** @description How many predictions, each fed back as the next input; at most the server's MAX_FORECAST_HORIZON */
            horizon: number;
            state?: components["schemas"]["State"];
            /**
             * @description false: leave the state out of the answer
             * @default true
             */
            return_state: boolean;
        };
        /** @description The predictions, and the state after the history and every prediction (the last one included) */
        ForecastResponse: {
            model: string;
            /** @description horizon x output_size: prediction k is the output after the history and predictions 0..k-1 */
            outputs: number[][];
            state?: components["schemas"]["State"];
        };
        /** @description A history and a horizon; the forecast starts at the session's state */
        SessionForecastRequest: {
            /** @description The history: T >= 1 rows of input_size values, run before the first prediction */
            inputs: number[][];
            /** @description How many predictions, each fed back as the next input; at most the server's MAX_FORECAST_HORIZON */
            horizon: number;
            /** @description Refuse with 409 (changing nothing) unless this is the session's t */
            expected_t?: number;
            /**
             * @description Include the new state in the answer
             * @default false
             */
            return_state: boolean;
        };
        SessionForecastResponse: {
            session_id: string;
            /** @description The session t after the history and every prediction */
            t: number;
            /** @description horizon x output_size: prediction k is the output after the history and predictions 0..k-1 */
            outputs: number[][];
            state?: components["schemas"]["State"];
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export type operations = Record<string, never>;
