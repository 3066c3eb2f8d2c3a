"""One random stream per entity: common random numbers across scenarios.

Every facility, link, demand and policy draws from its own numpy Generator, seeded from the
run's seed and a stable digest of the entity's kind, id and purpose. Adding, removing or
changing one entity leaves every other entity's draws as they were, so two scenarios that
differ in one entity see the same outages, lead times and noise everywhere else.
"""

from __future__ import annotations

import hashlib

import numpy as np


def entity_key(*parts: str) -> int:
    """A stable 64-bit digest of an entity's identity (the same on every machine and Python)."""
    text = "\x1f".join(parts).encode("utf-8")
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "little")


class RandomStreams:
    """Hands out a Generator per (kind, id, purpose), independent of creation order."""

    def __init__(self, seed: int):
        self.seed = seed

    def stream(self, kind: str, entity_id: str, purpose: str = "") -> np.random.Generator:
        """The Generator of one entity for one purpose (e.g. a plant's failures)."""
        key = entity_key(kind, entity_id, purpose)
        return np.random.Generator(np.random.PCG64(np.random.SeedSequence([self.seed, key])))
