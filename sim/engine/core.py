"""What every entity of a run shares: the SimPy environment, the books, the recorder, the random
streams and the calendar. Entities take this and their own spec, not long argument lists."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .clock import Clock
from .ledger import Ledger
from .recorder import Recorder
from .streams import RandomStreams


@dataclass
class Core:
    env: Clock
    ledger: Ledger
    recorder: Recorder
    streams: RandomStreams
    start_date: dt.date
    warmup: int
    end: int  # warmup + horizon: simulated time runs from 0 (= -warmup days) to end

    def day_of(self, date: dt.date) -> float:
        """Simulation time of a calendar date (start_date is ``warmup``)."""
        return float((date - self.start_date).days + self.warmup)

    def date_of(self, t: float) -> dt.date:
        return self.start_date + dt.timedelta(days=int(t) - self.warmup)
