"""Clones: the seed side of seed–soil (MODEL.md §2). Each clone is a vector of traits for every step."""

from __future__ import annotations

from typing import Optional

from pydantic import Field, field_validator, model_validator

from ._base import Frozen
from .bounds import (
    MAX_SHED_PER_CELL_DAY,
    Cells,
    CellsPerG,
    Fraction,
    LengthUm,
    Multiplier,
    Rate,
    SheddingRate,
)
from .fates import FateOverrides, FateRates, merge_fates
from .growth import GrowthLaw
from .variation import PatientVariation


class ClusterTraits(Frozen):
    """How a clone's cells travel and colonise when shed together as a cluster (MODEL.md §2).

    A cluster is one founder: it arrests, survives and colonises as a whole. Only the mean size
    enters the model (how many cells a cluster carries); arrest, survival and colonisation do not
    depend on the size. A cluster unfolds into a single-file chain and passes capillaries: it
    circulates like a deformable cell (``Clone.deformable_fraction``) until it arrests or dies.
    """

    mean_cells: Cells = Field(
        default=4.0, ge=2.0, le=50.0,
        description="mean cells per cluster; clusters hold 2-50 cells (aceto2014_cluster_metastatic_potential), "
        "most of them few (ASSUMPTION)",
    )
    arrest_probability: Fraction = Field(
        default=0.05,
        description="probability that a cluster arrests at one passage through a capillary bed (any organ): clusters "
        "unfold into single-file chains, and >90% of clusters of up to 20 cells traverse 5-10 µm constrictions "
        "(au2016_cluster_capillary_transit), so at most 0.1 (ASSUMPTION: 0.05)",
    )
    transit_death_rate: Rate = Field(
        default=2.0,
        description="death hazard of a cluster in the circulation, /day (ASSUMPTION: cell-cell contacts protect "
        "clustered cells from anoikis, aceto2014)",
    )
    colonisation_multiplier: Multiplier = Field(
        default=30.0,
        description="factor on division_rate and reactivation_rate of a cluster founder: clusters are 23-50x "
        "more metastatic than single CTCs (aceto2014_cluster_metastatic_potential)",
    )


#: The fate rates a cluster's colonisation multiplier scales.
COLONISATION_RATES: tuple[str, ...] = ("division_rate", "reactivation_rate")


class Clone(Frozen):
    """A population of identical cells: size, survival in transit, and post-arrest fate rates."""

    diameter_um: LengthUm = Field(default=15.0, description="cell diameter, µm (clusters pass capillaries: ClusterTraits)")
    transit_death_rate: Rate = Field(
        default=10.0,
        description="death hazard in the circulation (shear, anoikis, NK cells), /day; for a cell that never "
        "arrests it alone sets the half-life in blood (10/day: 1.7 h, meng2004_ctc_half_life: 1-2.4 h)",
    )
    deformable_fraction: Fraction = Field(
        default=0.0,
        description="share of the clone's single cells that squeeze through capillaries instead of arresting by "
        "size: they circulate until they die (transit_death_rate) or arrest (deformable_arrest_probability), and "
        "they are the CTCs a peripheral blood draw counts (stiff cells arrest in the first bed within a minute); "
        "0: every cell arrests by size",
    )
    deformable_arrest_probability: Fraction = Field(
        default=0.002,
        description="probability that a deformable cell arrests at one passage through a capillary bed (any "
        "organ; ASSUMPTION: below ~0.003 with transit_death_rate 10/day, so that a CTC's half-life stays within "
        "meng2004_ctc_half_life's 1-2.4 h; 0.002: 1.3 h, and about one deformable cell in four arrests before it dies)",
    )
    cells_per_g: CellsPerG = Field(
        default=1e9, description="cells per gram of tumour tissue (delmonte2009_cells_per_cm3)"
    )
    fates: FateRates = Field(default_factory=FateRates, description="rates in every organ unless overridden")
    organ_fates: dict[str, FateOverrides] = Field(  # type: ignore[valid-type]
        default_factory=dict, description="organ name -> rates that differ there (seed–soil)"
    )
    cluster: ClusterTraits = Field(
        default_factory=ClusterTraits, description="traits of this clone's cells shed as clusters"
    )
    hormone_sensitive: bool = Field(
        default=False,
        description="its division and reactivation answer endocrine therapy (oestrogen-receptor positive; "
        "ASSUMPTION: a trait of the whole clone, set by hand)",
    )
    traits: tuple[str, ...] = Field(
        default=(), description="molecular targets its cells carry, by name (e.g. HER2, EGFR): targeted therapy "
        "kills the dividing cells of the clones with its trait only (ASSUMPTION: every cell of the clone)",
    )
    source: str = ""

    @model_validator(mode="after")
    def _cells_leave_the_vessel(self) -> Clone:
        for where, organ in [("fates", ""), *((f"organ_fates.{organ}", organ) for organ in self.organ_fates)]:
            rates = self.fates_in(organ)
            if rates.vessel_death_rate + rates.extravasation_rate == 0:
                raise ValueError(
                    f"{where}: vessel_death_rate and extravasation_rate must not both be 0: an arrested cell leaves "
                    "its vessel by one or the other, and P(extravasation) is their ratio (got 0 and 0)"
                )
        return self

    def fates_in(self, organ: str) -> FateRates:
        """The fate rates of this clone in ``organ``."""
        return merge_fates(self.fates, self.organ_fates.get(organ))

    def as_cluster(self) -> Clone:
        """This clone shed as clusters: a clone whose founders are clusters, all of them passing
        capillaries (deformable) with the cluster's arrest probability and transit death, and
        colonisation rates multiplied in every organ."""
        factor = self.cluster.colonisation_multiplier

        def scaled(rates: Frozen) -> Frozen:
            values = {name: getattr(rates, name) for name in COLONISATION_RATES}
            return rates.model_copy(update={k: v * factor for k, v in values.items() if v is not None})

        return self.model_copy(update={
            "transit_death_rate": self.cluster.transit_death_rate,
            "deformable_fraction": 1.0,
            "deformable_arrest_probability": self.cluster.arrest_probability,
            "fates": scaled(self.fates),
            "organ_fates": {organ: scaled(rates) for organ, rates in self.organ_fates.items()},
            "source": f"clusters of: {self.source}" if self.source else "clusters",
        })


class PrimaryTumour(Frozen):
    """A primary tumour that grows from ``initial_cells`` at time 0 and sheds once vascularised.

    Shed cells (a Poisson process with intensity shedding rate x mass) enter the venous outflow of
    the site's organ or, with probability ``lymphatic_fraction``, its lymph (MODEL.md §1-2). In a
    cohort, each patient draws its own growth rate, shedding rate and clone mix from ``variation``.

    Once the primary has grown to ``serosal_invasion_cells``, a share ``coelomic_fraction`` of the
    shed cells enters the fluid of the cavity its site lies in instead (``Anatomy.cavities``).
    """

    site: str = Field(description="organ of the anatomy where the primary grows")
    initial_cells: Cells = Field(default=1.0, description="cells at time 0")
    growth: GrowthLaw
    cells_per_g: CellsPerG = Field(
        default=1e9,
        description="cells per gram of primary (delmonte2009_cells_per_cm3: 1e9 conventional, 1e8 more realistic)",
    )
    shedding_rate_per_g_day: SheddingRate = Field(
        default=3.2e6,
        description="cells shed per gram per day (butler1975_shedding_rate, growing tumours); at most cells_per_g "
        "(a tumour sheds at most its own cells each day)",
    )
    vascularisation_cells: Cells = Field(
        default=1e6, description="size at which the primary is vascularised and starts shedding, cells (~1 mm³; assumption)"
    )
    lymphatic_fraction: Fraction = Field(
        default=0.0,
        description="share of shed cells that enter lymph instead of venous blood (with lymphatic_surface_cells: "
        "the share when the primary holds that many cells)",
    )
    lymphatic_surface_cells: Optional[Cells] = Field(
        default=None,
        description="None: every cell sheds into lymph alike, lymphatic_fraction of the shedding at every size. "
        "A size S (cells): lymph is entered through the tumour's margin only (functional lymphatics lie at "
        "the periphery, those inside are collapsed: Padera 2002, Science 296:1883), so the lymph takes "
        "lymphatic_fraction x (per-cell shedding) x S^(1/3) N^(2/3) cells/day from a tumour of N cells (its "
        "surface, lymphatic_fraction of the shedding at N = S) and the venous outflow (1 - lymphatic_fraction) "
        "x (per-cell shedding) x N at every size. Not with a logistic growth law",
    )
    cluster_fraction: Fraction = Field(
        default=0.0,
        description="share of shed cells that leave in clusters (each clone's ClusterTraits); clusters are rare "
        "in the circulation (aceto2014; their share in patients is not known: a free parameter)",
    )
    coelomic_fraction: Fraction = Field(
        default=0.0,
        description="share of shed cells that enter the fluid of the cavity the site lies in (Anatomy.cavities) "
        "once the primary has invaded its serosa; the rest go to lymph and venous blood as before "
        "(transcoelomic route, MODEL.md §1)",
    )
    serosal_invasion_cells: Cells = Field(
        default=1e9,
        description="size at which the primary breaches the serosa and starts shedding into its cavity, cells. "
        "ASSUMPTION: ~1 g (1.2 cm across at 1e9 cells per g) spans the 3-5 mm wall of a stomach or colon "
        "(T4a); an ovarian tumour lies at the surface and needs a smaller value",
    )
    clone_mix: dict[str, Fraction] = Field(min_length=1, description="clone name -> share of shed cells")
    variation: PatientVariation = Field(
        default_factory=PatientVariation,
        description="how growth rate, shedding rate and clone mix vary across the patients of a cohort "
        "(default: not at all)",
    )

    @model_validator(mode="after")
    def _surface_entry_has_a_power(self) -> PrimaryTumour:
        if self.lymphatic_surface_cells is not None and self.growth.law == "logistic":
            raise ValueError(
                "lymphatic_surface_cells: needs a growth law whose N^(2/3) is a curve of the same law "
                "(gompertz, exponential, power_law); got law 'logistic' (set lymphatic_surface_cells: null)"
            )
        return self

    @model_validator(mode="after")
    def _sheds_at_most_its_cells(self) -> PrimaryTumour:
        per_cell = self.shedding_rate_per_g_day / self.cells_per_g
        if per_cell > MAX_SHED_PER_CELL_DAY:
            raise ValueError(
                f"shedding_rate_per_g_day: must be at most cells_per_g x {MAX_SHED_PER_CELL_DAY:g}/day = "
                f"{self.cells_per_g * MAX_SHED_PER_CELL_DAY:g}: a tumour sheds at most its own cells each day "
                f"(got {self.shedding_rate_per_g_day:g}, {per_cell:.3g} per cell per day)"
            )
        return self

    @field_validator("clone_mix")
    @classmethod
    def _shares(cls, mix: dict[str, float]) -> dict[str, float]:
        if any(share < 0 for share in mix.values()) or abs(sum(mix.values()) - 1.0) > 1e-6:
            raise ValueError(f"shares must be non-negative and sum to 1 (got {mix})")
        return mix
