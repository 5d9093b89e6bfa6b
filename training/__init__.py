"""Training and evaluation of the shipped models; not part of the installed packages.

Run from the repository root: ``python -m training.train``, ``python -m training.train_tracks``,
``python -m training.train_covered``. Their labelled data is in ``training/data/``; what they
write (``insights/model/``, ``rag/covered.json``) stays in the runtime packages.
"""
