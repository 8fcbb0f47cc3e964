"""The model layer: descriptions only, validated and frozen. Imports nothing else of the package."""

from ._base import ScenarioError, format_validation_error
from .anatomy import Anatomy, Cavity, Organ
from .calibration_record import STALE_CALIBRATION, CalibratedValue, Calibration, StaleCalibrationWarning
from .fates import FateOverrides, FateRates
from .growth import GrowthLaw
from .host import Host
from .observation import ObservationPlan
from .scenario import Injection, Scenario
from .therapy import Therapy
from .tumour import Clone, ClusterTraits, PrimaryTumour
from .variation import PatientVariation

__all__ = [
    "Anatomy",
    "CalibratedValue",
    "Calibration",
    "Cavity",
    "Clone",
    "ClusterTraits",
    "FateOverrides",
    "FateRates",
    "GrowthLaw",
    "Host",
    "Injection",
    "ObservationPlan",
    "Organ",
    "PatientVariation",
    "PrimaryTumour",
    "Scenario",
    "ScenarioError",
    "STALE_CALIBRATION",
    "StaleCalibrationWarning",
    "Therapy",
    "format_validation_error",
]
