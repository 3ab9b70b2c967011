"""The progress bar's import in a notebook kernel without ipywidgets."""

import subprocess
import sys

# What a Jupyter kernel has loaded, as tqdm's notebook detection looks for it; ipywidgets is
# not installed here, so tqdm falls back to text bars and, before lcformer.progress, warned.
NOTEBOOK = """
import sys, types, warnings
class ZMQInteractiveShell:
    config = {"IPKernelApp": {}}
ipython = types.ModuleType("IPython")
ipython.get_ipython = lambda: ZMQInteractiveShell()
sys.modules["IPython"] = ipython
sys.modules["ipykernel.zmqshell"] = types.ModuleType("ipykernel.zmqshell")
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    import {module}
print([str(w.message) for w in caught])
"""


def test_a_notebook_without_ipywidgets_imports_lcformer_without_tqdms_warning() -> None:
    for module, fails in (("tqdm.auto", True), ("lcformer.progress", False)):
        done = subprocess.run([sys.executable, "-c", NOTEBOOK.replace("{module}", module)],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-500:]
        assert ("IProgress not found" in done.stdout) == fails, (module, done.stdout)
