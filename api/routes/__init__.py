"""The API's routes, one module per resource; each module has ``router``."""

from api.routes import admin, entities, health, linked, scenarios, scores, search, whatif

__all__ = ["admin", "entities", "health", "linked", "scenarios", "scores", "search", "whatif"]
