"""Fitting the model to published data (issue 4): how much of organotropism is anatomy, organ soil
or seed–soil pairing (``organotropism``)."""
