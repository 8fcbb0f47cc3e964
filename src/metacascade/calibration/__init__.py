"""Fitting the model to published data: how much of organotropism is anatomy, organ soil
or seed–soil pairing (``organotropism``)."""
