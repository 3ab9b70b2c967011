"""The research system's own published numbers, which the results document compares with.

These are the only constants of the document: everything else in it is read from sweeps.
"""

from __future__ import annotations

#: The best transformer cell of each research results table (150 epochs): model, column,
#: accuracy, macro-F1. The research system reported tables on ASAS and MACHO only.
RESEARCH_BEST = {
    "ASAS": ("encoder", "h4 e64", 0.91, 0.87),
    "MACHO": ("encoder_decoder", "h8 e64", 0.82, 0.69),
}
#: Which research table a registered dataset is compared with.
RESEARCH_TABLE_OF = {"asas_acvs": "ASAS", "asas_richards2012": "ASAS", "macho": "MACHO",
                     "macho_samples": "MACHO"}
RESEARCH_EPOCHS = 150
RESEARCH_SAMPLE_PER_CLASS = 300
