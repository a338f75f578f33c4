"""The preparation process: a second Python process that reads a run's source and
prepares its pages (HTTP, JSON, validation, encryption, due dates: most of a record's
Python), so that work runs on another core than the writes instead of taking turns
with them under one interpreter lock.

It only reads and computes; every write, cursor and commit stays with the runner. If
it dies the run fails like on any source error and the next run resumes from the
last committed cursor; if the runner dies, the process's next write to the pipe
fails and it exits. Started with ``subprocess`` (``python -m hub.sync.preparation``):
a Celery prefork child is daemonic and may not start ``multiprocessing`` children.

The pipe carries pickles between two processes of the same installation: the job
(source spec, run context, cursor) in, then ("page", PreparedPage) … and one of
("done", None), ("source_error", message) or ("crash", message) out.
"""
from __future__ import annotations

import os
import pickle
import select
import subprocess
import sys
import threading
import traceback
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, BinaryIO

from hub.sync.source import SourceError, SourceSpec

if TYPE_CHECKING:  # the heavy imports wait until the process has its stdout put aside
    from hub.sync.prepare import PreparedPage, RunContext

READY = b"R"  # written once the process has imported everything and waits for its job


class PreparationProcess:
    """The runner's handle on one preparation process (one run)."""

    def __init__(self) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "hub.sync.preparation"], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE)
        self._ready = False

    def ready(self) -> bool:
        """Whether the process has started and waits for its job (never blocks); raises
        ``SourceError`` when it could not start."""
        if not self._ready:
            out = self._stdout()
            if select.select([out], [], [], 0)[0]:
                if os.read(out.fileno(), 1) != READY:
                    self._process.kill()
                    raise SourceError(f"数据准备进程未能启动（退出码 {self._process.wait()}）")
                self._ready = True
        return self._ready

    def pages(self, spec: SourceSpec, context: RunContext, since: str | None
              ) -> Iterator[PreparedPage]:
        """The prepared pages of the source from ``since``, as the process sends them.
        Its stdin stays open: the process ends when it closes (the runner has gone)."""
        if not self._ready:
            raise RuntimeError("the preparation process is not ready")
        stdin = self._process.stdin
        assert stdin is not None
        pickle.dump((spec, context, since), stdin, protocol=pickle.HIGHEST_PROTOCOL)
        stdin.flush()
        out = self._stdout()
        while True:
            try:
                kind, value = pickle.load(out)
            except (EOFError, OSError, ValueError):  # ValueError: the pipe closed under it
                raise SourceError(
                    f"数据准备进程意外退出（退出码 {self._process.wait()}），已提交的批次保留"
                ) from None
            if kind == "page":
                yield value
            elif kind == "done":
                return
            elif kind == "source_error":
                raise SourceError(value)
            else:
                raise RuntimeError(f"数据准备进程出错：{value}")

    def close(self) -> None:
        """Stop the process (at once: it only reads and computes) and reap it."""
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()
        for pipe in (self._process.stdin, self._process.stdout):
            if pipe is not None and not pipe.closed:
                try:
                    pipe.close()
                except OSError:
                    pass

    def _stdout(self) -> BinaryIO:
        out = self._process.stdout
        assert out is not None
        return out


def serve(job: tuple[SourceSpec, RunContext, str | None], pages_out: BinaryIO) -> None:
    """The process's side: send every prepared page of the job, then an ending."""
    from hub.sync.prepare import Preparer

    spec, context, since = job
    preparer = Preparer(context)

    def send(kind: str, value: Any) -> None:
        pickle.dump((kind, value), pages_out, protocol=pickle.HIGHEST_PROTOCOL)
        pages_out.flush()

    try:
        source = spec.open()
        try:
            for page in source.read(context.stream, since):
                if page.records:
                    send("page", preparer.prepare(page))
        finally:
            source.close()
    except SourceError as exc:
        send("source_error", str(exc))
        return
    except BrokenPipeError:
        raise
    except Exception as exc:  # reported to the runner, which fails the run with it
        traceback.print_exc()
        send("crash", f"{type(exc).__name__}: {exc}")
        return
    send("done", None)


def _exit_when_orphaned(job_in: BinaryIO) -> None:
    """The runner keeps our stdin open while it wants pages: its end means it has gone
    (killed, out of memory), and nobody is left to prepare for."""
    job_in.read()
    os._exit(1)


def main() -> None:
    # Our stdout is the pipe of pickles: whatever else writes to file descriptor 1
    # (an import, a C library, a subprocess) must land on stderr instead.
    pipe = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    import hub.sync.prepare  # noqa: F401  (the imports, before saying we are ready)

    pipe.write(READY)
    pipe.flush()
    job_in = sys.stdin.buffer
    job = pickle.load(job_in)
    threading.Thread(target=_exit_when_orphaned, args=(job_in,), daemon=True).start()
    try:
        serve(job, pipe)
    except BrokenPipeError:  # the runner is gone: nobody to prepare for
        os._exit(1)


if __name__ == "__main__":
    main()
