"""Policy kinds as plug-ins: one module per kind, holding its schema class and its engine side.

A kind is a ``PolicySpec`` subclass (what the scenario file says) and a ``Policy`` subclass
(what it does), registered together with ``@register_policy(Schema)``. The engine hands each
policy a narrow ``PolicyContext``: find a stock, link, facility, demand or market; schedule at
a time; log an event; read a price. A policy switches on and off and reports its own counters
and KPIs. These modules import no SimPy.
"""

from ..scenario.policy import Condition, PolicySpec, QuotaBatch, TimedPolicy
from .base import Policy, PolicyContext, register_policy, unregister_policy

__all__ = ["Condition", "Policy", "PolicyContext", "PolicySpec", "QuotaBatch", "TimedPolicy", "register_policy",
           "unregister_policy"]
