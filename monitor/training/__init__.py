"""Training the detector: the labeled corpus, `monitor train`, the team's labels and the figures."""
