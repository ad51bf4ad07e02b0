class DomainError(Exception):
    """The one way a service says no: its message is fit to show the user as it is."""

    def __init__(self, message, *, field: str | None = None, code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code

    def __str__(self) -> str:
        return str(self.message)
