"""The model: random operation sequences run on the World under test and on the oracle.

``operations`` is the vocabulary (symbolic: ``CreateStep(run="run_0", step="step_1")``),
``driver`` runs one operation on both Worlds and says where they disagree, ``normalise`` makes
their answers comparable, ``machine`` is the Hypothesis state machine that picks operations,
and ``snippet``/``replay`` turn a failing sequence into a program anyone can run. No pytest here.
"""
