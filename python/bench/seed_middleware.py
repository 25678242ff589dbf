# The seed's Python middleware, verbatim from ../shared/seed/prometheus-grafana-monitoring.md, section 3
# ("middleware/metrics.py"), between the markers below. Kept unchanged as the benchmark's reference; do not fix it.
# Above the markers only what the verbatim block needs in order to run: an `app`, and `Response`, which the seed
# uses without importing it.
# fmt: off
# ruff: noqa
from fastapi import FastAPI, Response

app = FastAPI()

# ----- verbatim from the seed -----
# middleware/metrics.py
from prometheus_client import Counter, Histogram, Gauge, generate_latest
from fastapi import Request
import time

http_requests_total = Counter(
    'http_requests_total',
    'Total HTTP requests',
    ['method', 'endpoint', 'status']
)

http_request_duration_seconds = Histogram(
    'http_request_duration_seconds',
    'HTTP request duration in seconds',
    ['method', 'endpoint'],
    buckets=[0.01, 0.05, 0.1, 0.5, 1, 2, 5]
)

db_pool_connections = Gauge(
    'db_pool_connections_active',
    'Active database connections'
)

@app.middleware("http")
async def metrics_middleware(request: Request, call_next):
    start_time = time.time()

    response = await call_next(request)

    duration = time.time() - start_time
    http_request_duration_seconds.labels(
        method=request.method,
        endpoint=request.url.path
    ).observe(duration)

    http_requests_total.labels(
        method=request.method,
        endpoint=request.url.path,
        status=response.status_code
    ).inc()

    return response

@app.get("/metrics")
async def metrics():
    return Response(generate_latest(), media_type="text/plain")
# ----- end of the verbatim copy -----
