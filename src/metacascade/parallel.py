"""Where engine work runs: one BLAS thread per process, and the executors that cohort chunks and
calibration batches are submitted to (local processes, or a Dask cluster; ARCHITECTURE.md §12).

BLAS threads are pinned with ``threadpoolctl`` in every process that runs the engine, the calling
one included: the engine's matrices are small, so threads only compete with each other and with
the worker processes, and a threaded BLAS may sum in another order, which would make the last
bits of a result depend on where it ran. Dask is imported only when its backend is used.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from concurrent.futures import Executor
from typing import Any, Optional

#: Where the chunks of a cohort (or a calibration's batches) run.
BACKENDS = ("local", "dask")

_lock = threading.Lock()
_pinned: list[Any] = []  # the outermost ``single_threaded`` block's limiter, while one is open
_depth = 0


@contextlib.contextmanager
def single_threaded() -> Iterator[None]:
    """Run the block with one BLAS (and OpenMP) thread in this process, then restore the thread
    counts. Blocks nest and may be open in several threads at once: the first pins, the last
    restores."""
    global _depth
    import scipy.linalg  # noqa: F401  (loads scipy's own OpenBLAS, which the engine uses, so it is pinned too)
    from threadpoolctl import threadpool_limits

    with _lock:
        if _depth == 0:
            _pinned.append(threadpool_limits(limits=1))
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                _pinned.pop().restore_original_limits()


def check_backend(backend: str, scheduler: Optional[str]) -> None:
    """A ``ValueError`` naming the argument unless ``backend`` is one of ``BACKENDS`` and
    ``scheduler`` (a Dask scheduler address) is ``None`` or goes with ``backend="dask"``."""
    if backend not in BACKENDS:
        raise ValueError(f"backend: unknown backend {backend!r}; allowed: {', '.join(map(repr, BACKENDS))}")
    if scheduler is not None and (backend != "dask" or not isinstance(scheduler, str)):
        raise ValueError(f"scheduler: a Dask scheduler address (str) with backend='dask' (got {scheduler!r} "
                         f"with backend={backend!r})")


@contextlib.contextmanager
def executor(backend: str, num_workers: int, scheduler: Optional[str] = None) -> Iterator[Executor]:
    """A ``concurrent.futures.Executor`` for the block: ``num_workers`` spawned local processes
    (``"local"``), or a Dask cluster (``"dask"``): the one at ``scheduler``, else a ``LocalCluster``
    of ``num_workers`` single-threaded worker processes, closed with the block. Work not yet
    started is cancelled when the block raises.

    Both spawn fresh interpreters: a script that calls this needs the
    ``if __name__ == "__main__":`` guard.
    """
    check_backend(backend, scheduler)
    pools = _local_processes(num_workers) if backend == "local" else _dask_cluster(num_workers, scheduler)
    with pools as pool:
        yield pool


@contextlib.contextmanager
def _local_processes(num_workers: int) -> Iterator[Executor]:
    """Spawned, not forked: a fresh interpreter inherits no lock held by another thread."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    pool = ProcessPoolExecutor(max_workers=num_workers, mp_context=multiprocessing.get_context("spawn"))
    try:
        yield pool
    except BrokenProcessPool as exc:
        pool.shutdown(wait=True, cancel_futures=True)
        raise RuntimeError(
            "a worker process died; if it did not start, the calling script may lack the "
            '`if __name__ == "__main__":` guard that spawned processes need (or use num_workers=1)'
        ) from exc
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


@contextlib.contextmanager
def _dask_cluster(num_workers: int, scheduler: Optional[str]) -> Iterator[Executor]:
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:
        raise ImportError("backend='dask' needs dask.distributed: pip install 'metacascade[dist]'") from exc

    with contextlib.ExitStack() as stack:
        if scheduler is None:
            cluster = LocalCluster(n_workers=num_workers, threads_per_worker=1, processes=True,
                                   dashboard_address=":0")  # any free port, not the usual one
            address: Any = stack.enter_context(cluster)
        else:
            address = scheduler
        client = stack.enter_context(Client(address))
        pool = client.get_executor(pure=False)  # every submission is a task of its own
        try:
            yield pool
        except BaseException:
            pool.shutdown(wait=False)  # cancels the tasks not finished
            raise
        pool.shutdown(wait=True)
