"""The ceiling: a bare FastAPI app answering one trivial JSON route, served by the same uvicorn
as the app and driven by the same locust load, so the app's throughput can be read as a
fraction of what the framework itself does on this machine in this run."""

from __future__ import annotations

from fastapi import FastAPI

app = FastAPI()


@app.get("/ping")
async def ping() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}
