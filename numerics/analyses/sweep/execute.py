"""Where the tasks of a sweep run: in this process, on a Dask ``LocalCluster`` started and closed
here, or on an existing Dask cluster at an address.

``scheduler``:

* ``"none"`` (or None): in this process, one task after the other;
* ``"local"``: a :class:`distributed.LocalCluster` with one single-threaded worker *process* per core
  (``workers`` to choose), started here and closed at the end (also on Ctrl-C or an error);
* an address (``tcp://host:8786``, ``host:8786``, ``tls://…``): the scheduler of an existing cluster
  (one a user started with ``dask scheduler``/``dask worker``, dask-jobqueue or Kubernetes).  An
  address that does not answer within :data:`CONNECT_TIMEOUT` seconds is an error that names it.
  The workers need the same fewbits installed, and the cache folder is written *by the workers*: on
  several machines give a folder on a shared file system (else each point is cached on the disk of
  the worker that solved it, and a resumed sweep recomputes what another machine cached).

Every worker builds the derived code a sweep needs once, when it joins (a worker plugin, so that a
worker added later warms up too).  A worker that dies mid-sweep loses only the task
it was running: the scheduler reruns it elsewhere, and the points that task had finished are read
back from the cache; results are collected as tasks finish, so finished tasks are never lost.
"""
from __future__ import annotations

import contextlib
import os
from typing import Callable, Iterable, Iterator, Optional, Sequence, Tuple

__all__ = ["CONNECT_TIMEOUT", "open_client", "map_tasks", "run_all", "check_scheduler", "release_memory"]

CONNECT_TIMEOUT = 5.0  # seconds to reach an existing scheduler


def check_scheduler(scheduler) -> str:
    """``"none"``, ``"local"`` or an address; a ValueError naming ``scheduler`` otherwise."""
    if scheduler is None:
        return "none"
    if not isinstance(scheduler, str) or not scheduler.strip():
        raise ValueError(f"scheduler: expected 'local', 'none' or an address such as tcp://host:8786, "
                         f"got {scheduler!r}")
    s = scheduler.strip()
    if s.lower() in ("none", "local"):
        return s.lower()
    if any(c.isspace() for c in s) or ":" not in s:
        raise ValueError(f"scheduler: {s!r} is not 'local', 'none' or an address such as tcp://host:8786")
    return s


def release_memory() -> None:
    """Give the memory that a finished task freed back to the operating system: glibc's
    ``malloc_trim(0)`` (a no-op where there is no glibc).  Once per task on a worker, in place of
    distributed's ``MALLOC_TRIM_THRESHOLD_`` (which trims on every free and cost the main job 29 % of
    its CPU time, :func:`open_client`); without either, a worker of ``fewbits paper`` grew to 970 MB
    while no unit needs more than about 150 MB."""
    import ctypes

    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


@contextlib.contextmanager
def open_client(scheduler="local", workers: Optional[int] = None, timeout: float = CONNECT_TIMEOUT):
    """A :class:`distributed.Client` for ``scheduler`` (None for ``"none"``), closed on exit with the
    cluster it started."""
    scheduler = check_scheduler(scheduler)
    if scheduler == "none":
        yield None
        return
    if workers is not None and (not isinstance(workers, int) or workers < 1):
        raise ValueError(f"workers: must be a whole number >= 1, got {workers!r}")
    import logging

    from distributed import Client, LocalCluster

    if scheduler == "local":
        import dask

        n = workers or os.cpu_count() or 1
        logging.getLogger("distributed").setLevel(logging.ERROR)
        # the workers keep one BLAS thread each but not distributed's MALLOC_TRIM_THRESHOLD_ = 64 KiB:
        # the saddle iterations allocate and free large quadrature arrays many times a second, and with
        # that threshold each free gave the pages back (binary dense-region curve: 2.4 s of system time
        # in 14.3 s, against 0.2 s in 11.2 without; the full main job spent 29 % of its CPU time there)
        spawn_env = {k: v for k, v in (dask.config.get("distributed.nanny.pre-spawn-environ", None) or {}).items()
                     if k != "MALLOC_TRIM_THRESHOLD_"}
        with dask.config.set({"distributed.nanny.pre-spawn-environ": spawn_env}), \
                LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=":0",
                          silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
            yield client
        return
    if workers is not None:
        raise ValueError("workers: only with the local scheduler (an existing cluster has its own workers)")
    try:
        client = Client(scheduler, timeout=f"{timeout}s")
    except Exception as exc:  # noqa: BLE001 - refused, timed out, or garbage from what answered there
        why = f"{type(exc).__name__}: {exc}"
        raise ConnectionError(f"scheduler: no Dask scheduler answered at {scheduler} (connection timeout "
                              f"{timeout:g} s; {why[:200]}); start one (dask scheduler), check the address, "
                              "or use --scheduler local / none") from None
    try:
        yield client
    finally:
        client.close()


def _register(client, needs) -> None:
    """Register :class:`~numerics.analyses.sweep.plugin.WarmUp` on the cluster (every worker, now and later)."""
    from .plugin import WarmUp

    plugin = WarmUp(needs)
    reg = getattr(client, "register_plugin", None)
    if reg is not None:
        reg(plugin, name=plugin.name)
    else:  # distributed < 2023.9
        client.register_worker_plugin(plugin, name=plugin.name)


def map_tasks(fn: Callable, items: Sequence[tuple], client=None, *, warm: Optional[list] = None,
              on_result: Optional[Callable] = None, label: str = "task") -> Iterator[Tuple[int, object]]:
    """``(i, fn(*items[i]))`` for every i, in the order tasks finish (in order without a client).

    With a client each item is one task (keys ``label-i``); results are gathered as they finish.
    ``warm``: derivations every worker builds once (a worker plugin).  ``on_result(i, value)`` is
    called as each result arrives (before it is yielded)."""
    if client is None:
        for i, args in enumerate(items):
            value = fn(*args)
            if on_result is not None:
                on_result(i, value)
            yield i, value
        return
    from distributed import as_completed

    if warm:
        _register(client, warm)
    token = os.urandom(4).hex()
    futures = {client.submit(fn, *args, key=f"{label}-{token}-{i}", pure=False): i
               for i, args in enumerate(items)}
    try:
        for fut in as_completed(futures):
            value = fut.result()
            i = futures[fut]
            fut.release()
            if on_result is not None:
                on_result(i, value)
            yield i, value
    finally:
        for fut in futures:
            if not fut.done():
                fut.cancel()


def run_all(fn: Callable, items: Iterable[tuple], scheduler="none", workers=None, **kw) -> list:
    """``[fn(*item) for item in items]`` through :func:`map_tasks` on ``scheduler`` (results in item order)."""
    items = list(items)
    out = [None] * len(items)
    with open_client(scheduler, workers) as client:
        for i, v in map_tasks(fn, items, client, **kw):
            out[i] = v
    return out
