"""The one error a brand query can raise."""


class QueryError(ValueError):
    """A malformed query, with the 0-based character offset of the problem."""

    def __init__(self, message: str, *, position: int, query: str) -> None:
        self.message = message
        self.position = position
        self.query = query
        super().__init__(f"{message} at position {position}: {query}")

    def __reduce__(self):
        # Keyword-only arguments break the default exception pickling (multiprocessing, job queues).
        return _rebuild, (self.message, self.position, self.query)


def _rebuild(message: str, position: int, query: str) -> QueryError:
    return QueryError(message, position=position, query=query)
