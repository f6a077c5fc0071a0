"""Neural Playground: build a neural network layer by layer and watch it learn."""

from playground._numba_cache import configure_numba_cache

__version__ = "0.1.0"

# Must run before anything imports numba: numba reads NUMBA_CACHE_DIR once, at import.
configure_numba_cache(__version__)
