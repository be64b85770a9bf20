"""The trained detector: the sentence encoder, language, features, heads and the artifact."""
