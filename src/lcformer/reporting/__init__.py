"""What runs and sweeps produced, for people to read. The modules, in pipeline order:

- ``tensorboard``: an optional live view of a training run, mirroring its folder;
- ``info``: ``lcformer info``: what a run folder holds, its checkpoints verified;
- ``figures``: a run's and a dataset's figures, as PNG files;
- ``tables``: a sweep's tables in the research papers' format;
- ``research``: the research system's published numbers, which the results compare with;
- ``results``: the results document (docs/results.md), written from finished sweeps.
"""
