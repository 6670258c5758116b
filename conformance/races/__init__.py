"""Races: histories of concurrent calls, forced interleavings, and the linearizability checker."""
