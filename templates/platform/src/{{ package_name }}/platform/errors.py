"""The one error type pattern code raises for a request it refuses.

Subclasses set `status` and `code`; the platform app turns any of them into the
same JSON body (`{"error": code, "detail": ...}`), so no pattern registers its own handler.
"""


class ApiError(Exception):
    """A refused request: `status` is the HTTP status, `code` names the rule that refused it."""

    status = 400
    code = "request"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail
