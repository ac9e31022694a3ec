"""The simulated carrier: no network, deterministic, for the demo bench and tests."""

from shipstation_desktop.carriers.simulated.carrier import CreatedAtLookup, LabelRenderer, SimulatedCarrier

__all__ = ["CreatedAtLookup", "LabelRenderer", "SimulatedCarrier"]
