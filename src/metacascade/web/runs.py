"""The runs of a web server, each in a directory of its own under the server's folder and nowhere
else: named by an id the server draws (a page sends an id back, never a path), the oldest removed
beyond ``MAX_KEPT_RUNS``, downloaded as a zip built in memory."""

from __future__ import annotations

import io
import shutil
import threading
import uuid
import zipfile
from pathlib import Path

from ..model import Scenario
from ..report import write_report
from ..results.rundir import REPORT_FILE
from ..simulate import simulate
from .limits import check_request

#: Runs a server keeps on disk; older ones are removed.
MAX_KEPT_RUNS = 20


class RunStore:
    """The run directories under ``root`` (a folder of the server's own, created if missing)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self._names: dict[str, str] = {}  # run id -> its name (the folder of its zip), oldest first
        self._lock = threading.Lock()  # one run at a time: the work of a request is bounded, not of many

    def run(self, scenario: Scenario, num_patients: int, seed: int) -> str:
        """The id of a new run directory holding ``num_patients`` runs of ``scenario`` with ``seed``
        (one run: its ``Results``; more: a ``Cohort`` at full detail) and their report
        (``metacascade.report``), named ``NAME-seedS[-Npatients]``; a ``TooMuchWork`` before
        anything is drawn if the request is beyond ``web.limits``."""
        check_request(scenario, num_patients)
        run_id = uuid.uuid4().hex
        directory = self.root / run_id
        with self._lock:
            try:
                if num_patients == 1:
                    results = simulate(scenario, random_seed=seed)
                    results.write(directory)
                else:
                    results = simulate(scenario, num_patients=num_patients, random_seed=seed, out=directory,
                                       detail="full")
                write_report(results, directory / REPORT_FILE)
            except BaseException:
                shutil.rmtree(directory, ignore_errors=True)  # a failed run leaves nothing behind
                raise
            cohort = f"-{num_patients}patients" if num_patients > 1 else ""
            self._names[run_id] = f"{scenario.name}-seed{seed}{cohort}"
            for old in list(self._names)[:-MAX_KEPT_RUNS]:
                shutil.rmtree(self.root / old, ignore_errors=True)
                del self._names[old]
        return run_id

    def directory(self, run_id: str) -> Path:
        """The directory of the kept run ``run_id``; a ``KeyError`` for any other text."""
        if not (isinstance(run_id, str) and run_id in self._names):
            raise KeyError(f"no run {run_id!r} on this server (runs are kept while the server runs, the last "
                           f"{MAX_KEPT_RUNS})")
        return self.root / run_id

    def name(self, run_id: str) -> str:
        """The name of the kept run ``run_id`` (``NAME-seedS[-Npatients]``)."""
        self.directory(run_id)
        return self._names[run_id]

    def zipped(self, run_id: str) -> bytes:
        """The run directory of ``run_id`` as a zip whose files lie in a folder named as the run."""
        directory, name = self.directory(run_id), self.name(run_id)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(directory.rglob("*")):
                if path.is_file() and not path.is_symlink():
                    archive.write(path, f"{name}/{path.relative_to(directory).as_posix()}")
        return buffer.getvalue()
