"""What one request of the web page may ask for, checked before anything is drawn: patients,
injected cells, years of follow-up, and the CPU time the work estimate gives (``engine.estimate``).
Larger runs belong to the command line (``metacascade run``)."""

from __future__ import annotations

from ..analysis.autopsy import DAYS_PER_YEAR
from ..engine.estimate import Estimate, check_work
from ..engine.lower import lower
from ..errors import TooMuchWork
from ..model import Scenario

#: Patients (or animals) one request may run.
MAX_PATIENTS = 200
#: Cells all the injections of a scenario may inject together.
MAX_INJECTED_CELLS = 10**7
#: Years a run may follow (its last observation, or its end time).
MAX_YEARS = 30
#: Estimated CPU time of a request's patients together, seconds.
MAX_CPU_SECONDS = 60.0


def check_request(scenario: Scenario, num_patients: int) -> Estimate:
    """The work estimate of one run of ``scenario``; a ``TooMuchWork`` naming every limit that
    ``num_patients`` runs of it exceed (and the command that runs it anyway)."""
    problems = []
    if not 1 <= num_patients <= MAX_PATIENTS:
        problems.append(f"patients: from 1 to {MAX_PATIENTS} on this page (got {num_patients})")
    injected = sum(injection.num_cells for injection in scenario.injections)
    if injected > MAX_INJECTED_CELLS:
        problems.append(f"injections.num_cells: at most {MAX_INJECTED_CELLS:,} cells injected in all on this page "
                        f"(got {injected:,})")
    years = scenario.resolved_end_time / DAYS_PER_YEAR  # its end time, else its last observation
    if years > MAX_YEARS:
        field = "observation_times" if scenario.end_time is None else "end_time"
        problems.append(f"{field}: at most {MAX_YEARS} years of follow-up on this page (got {years:.3g})")
    if problems:
        raise TooMuchWork(f"{'; '.join(problems)}; run it with `metacascade run` instead")
    cost = check_work(lower(scenario), "exact", num_patients)
    seconds = cost.cpu_seconds * num_patients
    if seconds > MAX_CPU_SECONDS:
        raise TooMuchWork(
            f"patients: {num_patients} runs of ~{cost.cpu_seconds:.3g} s each need ~{seconds:.3g} s of CPU (at most "
            f"{MAX_CPU_SECONDS:g} s on this page); run fewer patients, or run it with `metacascade run` instead"
        )
    return cost
