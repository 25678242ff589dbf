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


#: The test creates this file to let held requests finish (an event both worker processes can see).
RELEASE_FILE = os.environ.get("MP_APP_RELEASE_FILE", "")
#: Upper bound on a hold, so a test that fails before releasing cannot leave the workers stuck.
HOLD_LIMIT_S = 60.0


@app.get("/hold")
async def hold() -> dict:
    """Holds a DB connection and stays in flight until the test creates RELEASE_FILE."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + HOLD_LIMIT_S
    with pool.checkout():
        while not (RELEASE_FILE and os.path.exists(RELEASE_FILE)) and loop.time() < deadline:
            await asyncio.sleep(0.02)
    return {"pid": os.getpid(), "released": bool(RELEASE_FILE) and os.path.exists(RELEASE_FILE)}
