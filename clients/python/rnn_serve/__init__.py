"""rnn-serve's Python client.

>>> from rnn_serve import Client
>>> client = Client("http://127.0.0.1:8080")
>>> client.predict("co2-lstm", [[316.1], [317.3]]).outputs    # doctest: +SKIP

Standard library only, plus numpy when it is installed (arrays in and out) and the ``websockets``
package for streams. See README.md next to this package.
"""

from .client import AsyncClient, AsyncSession, Client, Generation, Prediction, Session
from .errors import (
    ERROR_FAMILIES,
    AuthenticationError,
    CapacityError,
    ConflictError,
    ConnectionError,
    InvalidRequestError,
    NotFoundError,
    RnnServeError,
    ServerError,
    UnavailableError,
)
from .stream import AsyncStream, GenerateReply, StepReply, Stream, TokenEvent

__version__ = "0.1.0"

__all__ = [
    "Client",
    "AsyncClient",
    "Session",
    "AsyncSession",
    "Stream",
    "AsyncStream",
    "Prediction",
    "Generation",
    "StepReply",
    "GenerateReply",
    "TokenEvent",
    "ERROR_FAMILIES",
    "RnnServeError",
    "InvalidRequestError",
    "AuthenticationError",
    "NotFoundError",
    "ConflictError",
    "CapacityError",
    "UnavailableError",
    "ServerError",
    "ConnectionError",
]
