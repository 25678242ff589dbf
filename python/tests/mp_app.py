"""The app tests/test_multiprocess.py runs under `uvicorn --workers 2` with PROMETHEUS_MULTIPROC_DIR set."""

import asyncio
import os

from fastapi import FastAPI

from greyhaven_metrics import MetricsMiddleware, default_metrics

app = FastAPI()
app.add_middleware(MetricsMiddleware)
pool = default_metrics().db_pool(max_size=5)


@app.get("/users/{user_id}")
async def user(user_id: str) -> dict:
    return {"pid": os.getpid()}


@app.get("/hold")
async def hold() -> dict:
    with pool.checkout():
        await asyncio.sleep(2)
    return {"pid": os.getpid()}
