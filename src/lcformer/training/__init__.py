"""Training a model on a prepared dataset, from one epoch's loop to the run folder that a
prediction later loads."""
