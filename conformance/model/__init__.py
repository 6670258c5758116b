"""The model: random operation sequences run on the World under test and on the oracle.

``operations`` is the vocabulary (symbolic: ``CreateStep(run="run_0", step="step_1")``),
``driver`` runs one operation on both Worlds and says where they disagree, ``normalise`` makes
their answers comparable, ``clock`` lets the kit hold time still, ``machine`` is the Hypothesis
state machine that picks operations, ``shrink`` shortens a failing sequence, and
``snippet``/``replay`` turn it into a program anyone can run. ``calls`` is the plain World call
the races share. No pytest here.
"""
