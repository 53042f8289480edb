"""Testing tools: `gradcheck` (finite differences vs backward), `gradgradcheck` (the same one order up) and,
in `strategies`, hypothesis
strategies for inputs that suit it. `strategies` is imported on its own, since it needs hypothesis:
`from tinygrad_edu.testing import strategies`."""

from .gradcheck import GradcheckError, gradcheck, gradgradcheck

__all__ = ["GradcheckError", "gradcheck", "gradgradcheck"]
