"""The HTTP API: create_app(settings) builds a FastAPI app; routers are thin."""
