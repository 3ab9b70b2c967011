"""Light curves from a user's files to a model's inputs. The modules, in pipeline order:

- ``reading/``: the readers of every layout users have, each returning one LightCurves;
- ``lightcurves``: the one in-memory representation every step reads and returns;
- ``report``: what each step drops, counted by reason, so that nothing is lost silently;
- ``cleaning``: points no model should see removed (sentinels, duplicates, bad errors);
- ``periods``: the period search the star views are folded at;
- ``views``: star views (a star's points folded at its period) and per-star scalars;
- ``features``: light-curve features, for the feature baseline and the periodic model;
- ``tokens``: the research models' (dt, dm) token windows;
- ``samples``: a model's inputs (views or windows) from cleaned curves, chunk by chunk;
- ``augment``: shortened copies of training stars, as a shorter survey would see them;
- ``prepared``: prepared datasets on disk, made once and reused;
- ``partitioned``: preparing a table bigger than memory, one partition at a time;
- ``fingerprints``: stars recognised by their points, whatever their ids (copies; training
  stars met again);
- ``splits``: train, validation and test by star, never by sample;
- ``datasets``: dataset names and folders, and the preparation the commands call;
- ``synthetic``: the embedded synthetic dataset;
- ``describe``: what a dataset holds, for a user to check before training.
"""
