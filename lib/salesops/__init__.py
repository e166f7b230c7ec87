"""salesops: sales-operations reports computed in one typed library and told by thin notebooks."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("salesops")
except PackageNotFoundError:  # running from a checkout without install
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
