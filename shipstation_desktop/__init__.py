"""ShipStation Desktop: the packing-bench shipping app (see README.md and ../shared/ARCHITECTURE.md)."""
