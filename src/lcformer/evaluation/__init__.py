"""A trained model at work: tested, classifying new stars, scored, exported. The modules, in
pipeline order:

- ``inference``: a model over samples in batches, its probabilities averaged per star;
- ``metrics``: scores against the truth (accuracy, macro-F1, calibration);
- ``records``: a run's test result as its ``metrics.json`` keeps it;
- ``importance``: what the trees rest on: families of per-star values, shuffled;
- ``predict``: new stars classified with the preparation stored with the model;
- ``flags``: predictions resting on too little signal, or on stars unlike the training ones;
- ``scoring``: predictions scored against the input's labels, on stars new to the model;
- ``output_files``: prediction files written, and an earlier run's set aside;
- ``streaming``: a survey predicted partition by partition, in bounded memory, resumable;
- ``dask``: the same over a Dask DataFrame, where the data already is;
- ``export``: a trained model as an ONNX graph, served without torch.
"""
