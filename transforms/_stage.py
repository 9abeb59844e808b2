"""Stage: the base of the composite stages whose constructor only stores their settings.

Such a stage is written as a dataclass, its settings as fields, so its signature says each setting once:

    @dataclass(eq=False, repr=False)
    class WriteRejected(Stage):
        output: str
        run_id: str

`eq=False` keeps identity equality and hashing (Beam keys applied transforms by them), `repr=False` keeps
Beam's own repr, and `__post_init__` runs `PTransform.__init__` (the label), which the generated `__init__`
does not call. A setting derived from the arguments is computed in the subclass's `__post_init__`, after
calling this one.
"""

from __future__ import annotations

import apache_beam as beam


class Stage(beam.PTransform):
    """A composite stage built by a dataclass `__init__` (see the module docstring)."""

    def __post_init__(self) -> None:
        super().__init__()
