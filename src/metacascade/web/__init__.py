"""The web page of ``metacascade serve`` (Dash, the ``[web]`` extra): pick a catalogue scenario or
upload a YAML file, change its key parameters in a form built from the scenario schema, run a small
cohort or assay, see its figures and tables and download the run.

Only ``metacascade serve`` imports this package (``import metacascade`` imports no Dash). Each
request is bounded (``web.limits``); a scenario comes from a catalogue name or an upload read from
memory (``web.sources``); every run lives under the server's own temporary folder (``web.runs``).
"""
