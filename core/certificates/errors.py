from core.errors import DomainError


class ProofError(DomainError):
    """A proof request that cannot be honoured (Chinese message, HTTP status)."""
