"""Replicas: several uvicorn worker processes onboarding people into one Lockt instance.

The service of ``examples/fastapi_app.py``, with every worker's client given the
same ``RedisWriteGate``: the coalescer merges each worker's concurrent requests
into pages, and the Redis gate lets one page at a time reach the instance across
every worker (and every host sharing the Redis), so no write overlaps. Run it
from the checkout's root (credentials from LOCKT_API_USER, LOCKT_API_KEY,
LOCKT_BASE_URL; the Redis from LOCKT_REDIS_URL)::

    pip install ".[examples,redis]"
    LOCKT_REDIS_URL=redis://127.0.0.1:6379/0 \
        uvicorn --workers 4 --factory examples.fastapi_replicas:create_app

``tests/integration/test_fastapi_replicas.py`` runs it with 4 workers and 200
concurrent requests.
"""

from __future__ import annotations

import os

import redis.asyncio as redis
from fastapi import FastAPI

from examples.fastapi_app import create_app as create_service
from lockt_async import LocktClient
from lockt_async.redis_gate import RedisWriteGate


def create_app() -> FastAPI:
    """The onboarding service; each worker process builds one (``uvicorn --factory``)."""
    url = os.environ.get("LOCKT_REDIS_URL", "redis://127.0.0.1:6379/0")

    def client() -> LocktClient:
        # Built in the lifespan, so the Redis connections belong to this worker's loop.
        return LocktClient(write_gate=RedisWriteGate.factory(redis.Redis.from_url(url)))

    return create_service(client)
