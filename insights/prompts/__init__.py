"""Prompt templates, filled by :func:`insights.prompt.build_prompt`."""
