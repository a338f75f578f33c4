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
from collections.abc import Iterator
from typing import Any, BinaryIO

from hub.sync.prepare import PreparedPage, Preparer, RunContext
from hub.sync.source import SourceError, SourceSpec

READY = b"R"  # written once the process has imported everything and waits for its job


class PreparationProcess:
    """The runner's handle on one preparation process (one run)."""

    def __init__(self) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "hub.sync.preparation"], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE)
        self._ready = False

    def ready(self) -> bool:
        """Whether the process has started and waits for its job (never blocks)."""
        if not self._ready:
            out = self._stdout()
            if select.select([out], [], [], 0)[0]:
                if os.read(out.fileno(), 1) != READY:
                    raise SourceError(f"数据准备进程未能启动（退出码 {self._process.wait()}）")
                self._ready = True
        return self._ready

    def pages(self, spec: SourceSpec, context: RunContext, since: str | None
              ) -> Iterator[PreparedPage]:
        """The prepared pages of the source from ``since``, as the process sends them."""
        while not self.ready():
            select.select([self._stdout()], [], [])
        stdin = self._process.stdin
        assert stdin is not None
        pickle.dump((spec, context, since), stdin, protocol=pickle.HIGHEST_PROTOCOL)
        stdin.close()
        out = self._stdout()
        while True:
            try:
                kind, value = pickle.load(out)
            except EOFError:
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
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()
        for pipe in (self._process.stdin, self._process.stdout):
            if pipe is not None and not pipe.closed:
                pipe.close()

    def _stdout(self) -> BinaryIO:
        out = self._process.stdout
        assert out is not None
        return out


def serve(job_in: BinaryIO, pages_out: BinaryIO) -> None:
    """The process's side: read the job, then send every prepared page and an ending."""
    spec, context, since = pickle.load(job_in)
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
        send("crash", f"{type(exc).__name__}: {exc}")
        return
    send("done", None)


def main() -> None:
    out = sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing else may write into the pipe
    out.write(READY)
    out.flush()
    try:
        serve(sys.stdin.buffer, out)
    except BrokenPipeError:  # the runner is gone: nobody to prepare for
        os._exit(1)


if __name__ == "__main__":
    main()
