"""Runs the example service: ``PORT=8000 /usr/bin/python3 examples/fastapi-service/main.py``.

Environment: PORT (default 8000), HOST (default 127.0.0.1), INJECT_ERROR_RATE (0..1), INJECT_LATENCY_MS.
One uvicorn worker (for several workers and multiprocess metrics see python/README.md).
"""

import os
import sys

import uvicorn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from app import app  # noqa: E402

if __name__ == "__main__":
    port = int(os.environ.get("PORT", "8000"))
    host = os.environ.get("HOST", "127.0.0.1")
    print(f"[fastapi-service] listening on http://{host}:{port} (metrics at http://{host}:{port}/metrics)", flush=True)
    uvicorn.run(app, host=host, port=port, log_level=os.environ.get("LOG_LEVEL", "warning"), access_log=False)
