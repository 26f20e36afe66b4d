"""Every API route of an app, with its full path: the one way the project walks routes (OpenAPI
completion, the decision-rights coverage test). FastAPI keeps included routers as such and
resolves their prefixes lazily; `iter_route_contexts` is its own walk over them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts


def api_routes(api: FastAPI) -> Iterator[Any]:
    """Each API route as it is served (path with prefixes, methods, dependant, openapi_extra)."""
    for context in iter_route_contexts(api.routes):
        if isinstance(context.original_route, APIRoute):
            yield context
