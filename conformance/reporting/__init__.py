"""What a kit run shows and keeps: failure reports, one record per invariant, known failures, profiles."""
