"""Trained heads and calibration written by ``python -m insights.train`` (plain arrays and JSON)."""
