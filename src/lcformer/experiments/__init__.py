"""Experiments that train and compare many models (the feature baseline, the research grid
and its sweeps, ablations, the demo), each leaving folders that :mod:`lcformer.reporting` reads."""
