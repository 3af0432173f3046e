"""__PATTERN_TITLE__: its routers on the platform app."""

from fastapi import FastAPI

from ..platform.api import create_platform_app
from ..service import AnswerService
from .routes import answers


def create_app() -> FastAPI:
    return create_platform_app([answers.router], service_factory=AnswerService.from_runtime)
