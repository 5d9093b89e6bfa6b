"""Trained heads and calibration written by ``python -m training.train`` (plain arrays and JSON)."""
