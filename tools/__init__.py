"""Developer tools outside the library: fake deep-model cohorts for tests and benchmarks,
and the derivation of the shipped facial normal ranges. Run from the repository root."""
